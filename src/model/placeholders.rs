//! Placeholders in a topic or payload sent again and again (`pub --repeat`, timed publish):
//! `{{seq}}`, `{{now_ms}}`, `{{now_iso}}`, `{{uuid}}`, `{{random:20:30}}`,
//! `{{random_int:0:100}}`, parsed once and filled in for each message.

/// One piece of a template.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    /// The message's number, from 1.
    Seq,
    /// Milliseconds since the Unix epoch.
    NowMs,
    /// UTC, ISO 8601 with milliseconds: `2026-12-01T22:36:10.123Z`.
    NowIso,
    /// A random (version 4) UUID.
    Uuid,
    /// A random number in [lo, hi), printed with two decimals.
    Random(f64, f64),
    /// A random integer in [lo, hi], both ends included.
    RandomInt(i64, i64),
}

/// A topic or payload with placeholders.
#[derive(Clone, Debug, PartialEq)]
pub struct Template(Vec<Piece>);

/// A placeholder that cannot be used, in words.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error(
        "{{{{{0}}}}}: unknown placeholder (known: seq, now_ms, now_iso, uuid, random:LO:HI, random_int:LO:HI)"
    )]
    Unknown(String),
    #[error("{{{{{0}}}}}: give two numbers, the lower first, as in {{{{random:20:30}}}}")]
    Range(String),
    #[error("a {{{{ is not closed by }}}}")]
    Unclosed,
}

impl Template {
    /// Parses `text`; `{{` with no placeholder name known is an error, not left as it is.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                pieces.push(Piece::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or(TemplateError::Unclosed)?;
            pieces.push(placeholder(after[..end].trim())?);
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Self(pieces))
    }

    /// `text` as it is, with no placeholders looked for.
    pub fn literal(text: &str) -> Self {
        Self(vec![Piece::Text(text.to_string())])
    }

    /// Whether anything changes from one message to the next.
    pub fn is_constant(&self) -> bool {
        self.0.iter().all(|p| matches!(p, Piece::Text(_)))
    }

    /// The text for message number `seq` (from 1), made at `now_us` (µs since the epoch).
    pub fn fill(&self, seq: u64, now_us: i64) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Seq => out.push_str(&seq.to_string()),
                Piece::NowMs => out.push_str(&(now_us / 1000).to_string()),
                Piece::NowIso => out.push_str(&iso(now_us)),
                Piece::Uuid => out.push_str(&uuid_v4()),
                Piece::Random(lo, hi) => {
                    out.push_str(&format!("{:.2}", lo + fastrand::f64() * (hi - lo)));
                }
                Piece::RandomInt(lo, hi) => out.push_str(&fastrand::i64(*lo..=*hi).to_string()),
            }
        }
        out
    }
}

fn placeholder(name: &str) -> Result<Piece, TemplateError> {
    Ok(match name {
        "seq" => Piece::Seq,
        "now_ms" => Piece::NowMs,
        "now_iso" => Piece::NowIso,
        "uuid" => Piece::Uuid,
        _ => {
            if let Some(args) = name.strip_prefix("random_int:") {
                let (lo, hi) = args
                    .split_once(':')
                    .ok_or_else(|| TemplateError::Range(name.into()))?;
                match (lo.trim().parse::<i64>(), hi.trim().parse::<i64>()) {
                    (Ok(lo), Ok(hi)) if lo <= hi => Piece::RandomInt(lo, hi),
                    _ => return Err(TemplateError::Range(name.into())),
                }
            } else if let Some(args) = name.strip_prefix("random:") {
                let (lo, hi) = args
                    .split_once(':')
                    .ok_or_else(|| TemplateError::Range(name.into()))?;
                match (lo.trim().parse::<f64>(), hi.trim().parse::<f64>()) {
                    (Ok(lo), Ok(hi)) if lo <= hi && lo.is_finite() && hi.is_finite() => {
                        Piece::Random(lo, hi)
                    }
                    _ => return Err(TemplateError::Range(name.into())),
                }
            } else {
                return Err(TemplateError::Unknown(name.into()));
            }
        }
    })
}

fn iso(now_us: i64) -> String {
    let ms = now_us.div_euclid(1000);
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// A random UUID, version 4 (RFC 9562): 122 random bits.
fn uuid_v4() -> String {
    let mut b: [u8; 16] = std::array::from_fn(|_| fastrand::u8(..));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_placeholder_is_filled() {
        let t = Template::parse("dev/{{seq}} at {{now_ms}} {{now_iso}}").unwrap();
        assert!(!t.is_constant());
        assert_eq!(
            t.fill(7, 1_700_000_000_123_456),
            "dev/7 at 1700000000123 2023-11-14T22:13:20.123Z"
        );
        let r = Template::parse("{{random:20:30}}|{{random_int:0:3}}").unwrap();
        for _ in 0..200 {
            let s = r.fill(1, 0);
            let (f, i) = s.split_once('|').unwrap();
            let f: f64 = f.parse().unwrap();
            let i: i64 = i.parse().unwrap();
            assert!((20.0..=30.0).contains(&f) && (0..=3).contains(&i), "{s}");
        }
        let u = Template::parse("{{uuid}}").unwrap().fill(1, 0);
        assert_eq!((u.len(), &u[14..15]), (36, "4"), "{u}");
        assert!("89ab".contains(&u[19..20]), "{u}");
        assert!(Template::parse("plain {not one}").unwrap().is_constant());
    }

    #[test]
    fn bad_placeholders_are_explained() {
        assert_eq!(
            Template::parse("{{sequence}}").unwrap_err(),
            TemplateError::Unknown("sequence".into())
        );
        let e = Template::parse("{{random:30:20}}").unwrap_err();
        assert!(e.to_string().contains("the lower first"), "{e}");
        assert!(Template::parse("{{random_int:a:2}}").is_err());
        assert_eq!(
            Template::parse("x {{seq").unwrap_err(),
            TemplateError::Unclosed
        );
        assert_eq!(
            TemplateError::Unknown("x".into()).to_string(),
            "{{x}}: unknown placeholder (known: seq, now_ms, now_iso, uuid, random:LO:HI, random_int:LO:HI)"
        );
    }
}
