//! Fonts for every script: egui's own fonts first (bundled here, packed), then a system font for any character they
//! lack (Chinese, Japanese, Korean, Arabic, emoji, symbols; found by egui's system font
//! provider, which asks fontconfig, CoreText or DirectWrite), then a bundled subset of Noto
//! Sans CJK for common Chinese and Japanese characters when the system has none.
//!
//! The system's fonts are listed once per process on a named thread started with the first
//! window. A character looked up before that list is ready waits for it at most
//! [`SCAN_WAIT`], once; after that the bundled font answers until the list is ready.

use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use egui::{
    FallbackRequest, FontData, FontDefinitions, FontFamily, FontInsert, FontPriority,
    FontProvider as _, FontTweak, InsertFontFamily,
};
use egui_system_font_provider::SystemFontProvider;
use skrifa::MetadataProvider as _;

/// Noto Sans CJK SC cut to 5,567 common characters (`assets/fonts/README.md`), packed with
/// zstd (0.9 MB instead of 1.2 MB in the binary).
const BUNDLED_CJK_ZST: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-subset.otf.zst");

/// egui's own fonts (the ones its `default_fonts` feature would embed unpacked: 0.67 MB,
/// 0.28 MB packed): Ubuntu Light for text, Hack for code (Ubuntu Font Licence, MIT and
/// Bitstream Vera; `assets/fonts/`), and egui's five icons (small, kept as they are).
const UBUNTU_LIGHT_ZST: &[u8] = include_bytes!("../../assets/fonts/Ubuntu-Light.ttf.zst");
const HACK_ZST: &[u8] = include_bytes!("../../assets/fonts/Hack-Regular.ttf.zst");
const EGUI_ICONS: &[u8] = include_bytes!("../../assets/fonts/egui-icons.ttf");

/// `zst` unpacked.
fn unpack(zst: &[u8]) -> Result<Vec<u8>, String> {
    let mut d = ruzstd::decoding::StreamingDecoder::new(zst).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut d, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// egui's default fonts and families, as its `default_fonts` feature sets them, unpacked
/// once per process.
pub fn definitions() -> FontDefinitions {
    static DEFINITIONS: OnceLock<FontDefinitions> = OnceLock::new();
    DEFINITIONS
        .get_or_init(|| {
            let mut defs = FontDefinitions::empty();
            for (name, zst) in [("Ubuntu-Light", UBUNTU_LIGHT_ZST), ("Hack", HACK_ZST)] {
                match unpack(zst) {
                    Ok(bytes) => {
                        let data = Arc::new(FontData::from_owned(bytes));
                        defs.font_data.insert(name.to_owned(), data);
                    }
                    Err(e) => tracing::warn!("the bundled font {name} cannot be unpacked: {e}"),
                }
            }
            let icons = FontData::from_static(EGUI_ICONS).tweak(FontTweak {
                scale: 0.90,
                ..Default::default()
            });
            defs.font_data
                .insert("egui-icons".to_owned(), Arc::new(icons));
            let family =
                |names: &[&str]| -> Vec<String> { names.iter().map(|n| (*n).to_owned()).collect() };
            defs.families.insert(
                FontFamily::Monospace,
                family(&["Hack", "Ubuntu-Light", "egui-icons"]),
            );
            defs.families.insert(
                FontFamily::Proportional,
                family(&["Ubuntu-Light", "egui-icons"]),
            );
            defs
        })
        .clone()
}

/// The bundled font unpacked, once per process (the font-scan thread does it first, so a
/// frame rarely waits for it). It lives as long as the process, as egui's fonts do.
fn bundled_cjk() -> Option<&'static [u8]> {
    static FONT: OnceLock<Option<&'static [u8]>> = OnceLock::new();
    *FONT.get_or_init(|| match unpack(BUNDLED_CJK_ZST) {
        Ok(bytes) => Some(Box::leak(bytes.into_boxed_slice())),
        Err(e) => {
            tracing::warn!("the bundled CJK font cannot be unpacked: {e}");
            None
        }
    })
}
/// The bundled font's name among egui's fonts.
pub const BUNDLED_NAME: &str = "bundled:Noto Sans CJK SC (subset)";

/// How long the first lookup may wait for the system's font list (the frame waits with it).
pub const SCAN_WAIT: Duration = Duration::from_millis(250);

/// Where the system's fonts come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemFonts {
    /// Listed on a thread (the window, and the tests that check fallback).
    Scan,
    /// Only egui's fonts and the bundled one (identical text on every machine).
    Off,
}

/// The system scan, shared by every window of the process.
struct Scan {
    provider: OnceLock<SystemFontProvider>,
    done: Mutex<bool>,
    ready: Condvar,
}

fn scan() -> &'static Arc<Scan> {
    static SCAN: OnceLock<Arc<Scan>> = OnceLock::new();
    SCAN.get_or_init(|| {
        let scan = Arc::new(Scan {
            provider: OnceLock::new(),
            done: Mutex::new(false),
            ready: Condvar::new(),
        });
        let worker = Arc::clone(&scan);
        let spawned = std::thread::Builder::new()
            .name("font-scan".into())
            .spawn(move || {
                let _ = bundled_cjk();
                let provider = SystemFontProvider::new();
                // The provider lists the fonts on a thread of its own; one lookup waits for it.
                let _ = provider.font_for(&FallbackRequest {
                    cluster: "中",
                    family: &FontFamily::Proportional,
                });
                let _ = worker.provider.set(provider);
                worker.finish();
            });
        if let Err(e) = spawned {
            tracing::warn!("system fonts are not looked up: {e}");
            scan.finish();
        }
        scan
    })
}

impl Scan {
    fn finish(&self) {
        if let Ok(mut done) = self.done.lock() {
            *done = true;
        }
        self.ready.notify_all();
    }

    /// The provider once the list is ready; waits up to `wait` for it.
    fn provider(&self, wait: Duration) -> Option<&SystemFontProvider> {
        if let Some(p) = self.provider.get() {
            return Some(p);
        }
        if !wait.is_zero()
            && let Ok(done) = self.done.lock()
        {
            let _ = self.ready.wait_timeout_while(done, wait, |done| !*done);
        }
        self.provider.get()
    }
}

/// egui's font provider for characters its installed fonts lack.
pub struct Fallback {
    system: Option<&'static Arc<Scan>>,
    /// Whether a lookup already waited for the scan (only the first one waits).
    waited: Mutex<bool>,
}

impl Fallback {
    pub fn new(system: SystemFonts) -> Self {
        Self {
            system: (system == SystemFonts::Scan).then(scan),
            waited: Mutex::new(false),
        }
    }

    /// Whether the bundled font draws `c`.
    pub fn bundled_has(&self, c: char) -> bool {
        bundled_cjk()
            .and_then(|bytes| skrifa::FontRef::new(bytes).ok())
            .is_some_and(|font| font.charmap().map(c).is_some())
    }

    fn wait(&self) -> Duration {
        match self.waited.lock() {
            Ok(mut waited) if !*waited => {
                *waited = true;
                SCAN_WAIT
            }
            _ => Duration::ZERO,
        }
    }
}

impl egui::FontProvider for Fallback {
    fn font_for(&self, request: &FallbackRequest<'_>) -> Option<FontInsert> {
        let c = request.cluster.chars().next()?;
        tracing::debug!("a font for {c:?} ({:?})", request.family);
        if let Some(system) = self.system.and_then(|s| s.provider(self.wait()))
            && let Some(found) = system.font_for(request)
        {
            return Some(found);
        }
        let bytes = bundled_cjk().filter(|_| self.bundled_has(c))?;
        Some(FontInsert {
            name: BUNDLED_NAME.to_string(),
            data: FontData::from_static(bytes),
            families: [FontFamily::Proportional, FontFamily::Monospace]
                .into_iter()
                .map(|family| InsertFontFamily {
                    family,
                    priority: FontPriority::Lowest,
                })
                .collect(),
        })
    }
}

/// Sets egui's own fonts in `ctx` and adds the fallback fonts.
pub fn install(ctx: &egui::Context, system: SystemFonts) {
    ctx.set_fonts(definitions());
    ctx.add_font_provider(Arc::new(Fallback::new(system)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_has_common_chinese_and_japanese_and_nothing_it_should_not() {
        let fonts = Fallback::new(SystemFonts::Off);
        for c in "温度传感器湿度センサー東京の気温、。".chars() {
            assert!(fonts.bundled_has(c), "{c}");
        }
        assert!(!fonts.bundled_has('한'));
        assert!(!fonts.bundled_has('م'));
    }

    #[test]
    fn egui_s_own_fonts_are_unpacked_whole() {
        let defs = definitions();
        for (name, size) in [("Ubuntu-Light", 361_676), ("Hack", 309_408)] {
            let data = defs.font_data.get(name).expect(name);
            assert_eq!(data.bytes().len(), size, "{name}");
            assert!(skrifa::FontRef::new(data.bytes()).is_ok(), "{name}");
        }
        assert_eq!(
            defs.families[&FontFamily::Proportional],
            ["Ubuntu-Light", "egui-icons"]
        );
        assert_eq!(defs.families[&FontFamily::Monospace][0], "Hack");
    }

    #[test]
    fn with_no_system_fonts_the_bundled_font_is_the_fallback() {
        let fonts = Fallback::new(SystemFonts::Off);
        let found = egui::FontProvider::font_for(
            &fonts,
            &FallbackRequest {
                cluster: "温",
                family: &FontFamily::Monospace,
            },
        )
        .expect("a font");
        assert_eq!(found.name, BUNDLED_NAME);
        let none = egui::FontProvider::font_for(
            &fonts,
            &FallbackRequest {
                cluster: "한",
                family: &FontFamily::Proportional,
            },
        );
        assert!(none.is_none());
    }
}
