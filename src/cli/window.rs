//! No subcommand: the window. With no broker named it starts the local broker on a free
//! port with demo devices, so the tree is live at once; a screenshot run (`--screenshot`)
//! neither reads nor writes the user's files.

use std::process::ExitCode;
use std::time::Duration;

use crate::app::{App, StartOptions, check_settings_file};
use crate::broker::BrokerOptions;
use crate::broker::options::free_port;
use crate::model::SeriesSpec;
use crate::model::decode::rules::DecoderRule;
use crate::model::decode::spec::SpecError;
use crate::model::decode::{Decoder, is_sparkplug_topic};
use crate::profiles::secrets::SERVICE;

use super::CliError;
use super::args::Cli;

/// Opens the window as `cli` asks and runs it until it is closed.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    open(start_options(cli)?)?;
    Ok(ExitCode::SUCCESS)
}

/// How the app starts, from the command line.
fn start_options(cli: Cli) -> Result<StartOptions, CliError> {
    let local = !cli.connection.names_a_broker();
    let keep_files = cli.screenshot.is_none();
    let mut form = cli.connection.form()?;
    if cli.keep_history {
        form.keep_history = Some(true);
    }
    for rule in &cli.decode {
        let (filter, decoder) = rule
            .rsplit_once('=')
            .ok_or_else(|| SpecError::NotARule(rule.clone()))?;
        let rule = DecoderRule::new(filter, decoder);
        rule.check()?;
        form.decoders.push(rule);
    }
    let local_broker = local.then(|| BrokerOptions {
        port: free_port("127.0.0.1", 1883).unwrap_or(1883),
        ..BrokerOptions::default()
    });
    Ok(StartOptions {
        broker_program: None,
        form,
        local_broker,
        demo: local && !cli.no_demo,
        connect: !local,
        screenshot: cli.screenshot,
        screenshot_after: Duration::from_millis(cli.screenshot_after_ms),
        exit_after: cli
            .exit_after_s
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| Duration::from_secs_f64(s.min(1e6))),
        select: cli.select,
        // A screenshot run opens no dialog.
        file_picker: if keep_files {
            crate::app::FilePicker::Native
        } else {
            crate::app::FilePicker::Off
        },
        publish_panel: cli.publish_panel,
        show: cli.show,
        keychain_service: keep_files.then(|| SERVICE.to_string()),
        plots: cli.plot.iter().map(|p| plot_spec(p)).collect(),
        // A screenshot run neither reads nor writes the user's files.
        data_dir: keep_files.then(crate::profiles::data_dir).flatten(),
        config_dir: keep_files.then(crate::profiles::config_dir).flatten(),
        problems: keep_files
            .then(|| eframe::storage_dir("mqscope"))
            .flatten()
            .and_then(|dir| check_settings_file(&dir.join("app.ron")))
            .into_iter()
            .collect(),
    })
}

/// A `--plot TOPIC` or `--plot 'TOPIC#FIELD'` as a series (a topic name never holds `#`).
fn plot_spec(plot: &str) -> SeriesSpec {
    match plot.split_once('#') {
        Some((topic, field)) => SeriesSpec {
            topic: topic.into(),
            path: field.into(),
            // Sparkplug B topics are decoded, as the inspector does.
            decoder: is_sparkplug_topic(topic).then_some(Decoder::SparkplugB),
            rule: None,
        },
        None => SeriesSpec {
            topic: plot.to_string(),
            path: String::new(),
            decoder: None,
            rule: None,
        },
    }
}

/// The window's application id: the desktop file's name (`assets/io.github.mqscope.desktop`),
/// which Wayland compositors and X11 docks match to show its icon.
pub const APP_ID: &str = "io.github.mqscope";

/// The window icon, the 256 px rendering of `assets/icons/mqscope.svg`, built in.
fn window_icon() -> Option<egui::IconData> {
    let png = include_bytes!("../../assets/icons/mqscope-256.png");
    match eframe::icon_data::from_png_bytes(png) {
        Ok(icon) => Some(icon),
        Err(e) => {
            tracing::warn!("the window icon is not a PNG: {e}");
            None
        }
    }
}

/// Runs the window until it is closed.
fn open(options: StartOptions) -> Result<(), CliError> {
    let title = match &options.local_broker {
        Some(b) => format!("mqscope — local broker 127.0.0.1:{}", b.port),
        None => format!("mqscope — {}:{}", options.form.host, options.form.port),
    };
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(title)
        .with_app_id(APP_ID)
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([640.0, 400.0]);
    if let Some(icon) = window_icon() {
        viewport = viewport.with_icon(icon);
    }
    let native = eframe::NativeOptions {
        viewport,
        // A screenshot run must not take or leave the user's saved window state: it keeps
        // its state in a fresh temporary folder.
        persist_window: options.screenshot.is_none(),
        persistence_path: options.screenshot.as_ref().map(|_| {
            std::env::temp_dir().join(format!("mqscope-screenshot-{}", std::process::id()))
        }),
        // egui's dithering costs every pixel of every frame a noise sum; its flat panels
        // and text gain nothing visible from it.
        dithering: false,
        // The app installs its own fallback (system fonts, then a bundled CJK subset).
        system_font_fallback: false,
        ..Default::default()
    };
    eframe::run_native(
        "mqscope",
        native,
        Box::new(|cc| Ok(Box::new(App::new(cc, options)))),
    )
    .map_err(|e| CliError::Window(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_window_icon_is_a_square_png() {
        let icon = window_icon().expect("icon");
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
    }

    #[test]
    fn a_plot_names_a_topic_or_a_field_of_its_json() {
        let plain = plot_spec("sensors/temp");
        assert_eq!(
            (plain.topic.as_str(), plain.path.as_str()),
            ("sensors/temp", "")
        );
        let field = plot_spec("plant/state#sensors[2].temp");
        assert_eq!(
            (field.topic.as_str(), field.path.as_str()),
            ("plant/state", "sensors[2].temp")
        );
        assert!(field.decoder.is_none());
        let spark = plot_spec("spBv1.0/g/DDATA/n/d#temp");
        assert_eq!(spark.decoder, Some(Decoder::SparkplugB));
    }
}
