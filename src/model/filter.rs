//! What the tree's filter box asks for: text, an MQTT filter or a regular expression,
//! matched against topics, latest payloads or both, with or without case.

use regex::bytes::{Regex, RegexBuilder};

use super::payload::Payload;
use super::topic_path::{matches_filter, validate_filter};

/// How the filter text is read.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum FilterMode {
    /// A piece of text to find. Text holding `+` or `#` that is a valid subscription
    /// filter is read as one (matched against topics).
    #[default]
    Text,
    /// An MQTT subscription filter (`home/+/temperature`, `zigbee2mqtt/#`), matched
    /// against topics by levels, exact case, as a broker would.
    Mqtt,
    /// A regular expression (Rust `regex` syntax).
    Regex,
}

impl FilterMode {
    pub const ALL: [Self; 3] = [Self::Text, Self::Mqtt, Self::Regex];

    pub fn label(self) -> &'static str {
        match self {
            Self::Text => "Text",
            Self::Mqtt => "MQTT filter",
            Self::Regex => "Regex",
        }
    }
}

/// What the filter looks at.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum FilterField {
    #[default]
    Topic,
    /// The topic's latest payload (its first [`PAYLOAD_SCAN_BYTES`]).
    Payload,
    Both,
}

impl FilterField {
    pub const ALL: [Self; 3] = [Self::Topic, Self::Payload, Self::Both];

    pub fn label(self) -> &'static str {
        match self {
            Self::Topic => "topics",
            Self::Payload => "payloads",
            Self::Both => "topics and payloads",
        }
    }
}

/// Bytes of a payload the filter looks at: enough for any sensor reading or JSON
/// document, and a 16 MiB payload does not make a pass over the tree crawl.
pub const PAYLOAD_SCAN_BYTES: usize = 64 * 1024;

/// Everything the filter box holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FilterSpec {
    pub text: String,
    pub mode: FilterMode,
    pub field: FilterField,
    pub case_sensitive: bool,
    /// Only topics whose latest message fails its decoder rule's JSON Schema.
    pub invalid_only: bool,
}

impl FilterSpec {
    /// Whether the filter shows everything.
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && !self.invalid_only
    }

    /// How the text will be read: Text mode turns into an MQTT filter when the text is one.
    pub fn effective_mode(&self) -> FilterMode {
        let text = self.text.trim();
        match self.mode {
            FilterMode::Text
                if self.field == FilterField::Topic
                    && text.contains(['+', '#'])
                    && validate_filter(text).is_ok() =>
            {
                FilterMode::Mqtt
            }
            mode => mode,
        }
    }
}

/// A compiled filter.
#[derive(Clone, Debug)]
pub struct TopicFilter {
    test: Test,
    field: FilterField,
    invalid_only: bool,
}

#[derive(Clone, Debug)]
enum Test {
    /// No text: every topic (that `invalid_only` lets through).
    All,
    Mqtt(String),
    Pattern(Regex),
}

impl TopicFilter {
    /// The filter `spec` stands for; `Ok(None)` when it is empty (everything shows), or
    /// what is wrong with it (an invalid MQTT filter or regular expression).
    pub fn new(spec: &FilterSpec) -> Result<Option<Self>, String> {
        if spec.is_empty() {
            return Ok(None);
        }
        let text = spec.text.trim();
        let invalid_only = spec.invalid_only;
        if text.is_empty() {
            return Ok(Some(Self {
                test: Test::All,
                field: FilterField::Topic,
                invalid_only,
            }));
        }
        let (test, field) = match spec.effective_mode() {
            FilterMode::Mqtt => {
                validate_filter(text)?;
                (Test::Mqtt(text.to_string()), FilterField::Topic)
            }
            mode => {
                let pattern = if mode == FilterMode::Regex {
                    text.to_string()
                } else {
                    regex::escape(text)
                };
                let regex = RegexBuilder::new(&pattern)
                    .case_insensitive(!spec.case_sensitive)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| match e {
                        regex::Error::Syntax(s) => {
                            // The last line says what is wrong; the rest draws the spot.
                            let why = s.lines().last().unwrap_or_default().to_string();
                            format!(
                                "not a regular expression: {}",
                                why.trim_start_matches("error: ")
                            )
                        }
                        regex::Error::CompiledTooBig(_) => {
                            "this regular expression is too big".to_string()
                        }
                        other => other.to_string(),
                    })?;
                (Test::Pattern(regex), spec.field)
            }
        };
        Ok(Some(Self {
            test,
            field,
            invalid_only,
        }))
    }

    /// Whether the topic `path` (with latest payload `payload`, if it has one) matches; a
    /// payload a decoder rule decoded matches by its bytes or its decoded JSON text.
    pub fn matches(&self, path: &str, payload: Option<&Payload>) -> bool {
        if self.invalid_only
            && payload.is_none_or(|p| p.decoded().and_then(|d| d.invalid()).is_none())
        {
            return false;
        }
        let topic = || match &self.test {
            Test::All => true,
            Test::Mqtt(f) => matches_filter(f, path),
            Test::Pattern(r) => r.is_match(path.as_bytes()),
        };
        let scan = |r: &Regex, b: &[u8]| r.is_match(&b[..b.len().min(PAYLOAD_SCAN_BYTES)]);
        let body = || match (&self.test, payload) {
            (Test::Pattern(r), Some(p)) => {
                scan(r, p.bytes())
                    || p.decoded()
                        .and_then(|d| d.result.as_ref().ok())
                        .is_some_and(|text| scan(r, text.as_bytes()))
            }
            _ => false,
        };
        match self.field {
            FilterField::Topic => topic(),
            FilterField::Payload => body(),
            FilterField::Both => topic() || body(),
        }
    }

    /// Whether the filter looks at payloads (so a new message can change what matches).
    pub fn reads_payloads(&self) -> bool {
        self.field != FilterField::Topic || self.invalid_only
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(bytes: &[u8]) -> Payload {
        Payload::decode(bytes, usize::MAX)
    }

    fn filter(text: &str, mode: FilterMode, field: FilterField, case: bool) -> TopicFilter {
        TopicFilter::new(&FilterSpec {
            text: text.into(),
            mode,
            field,
            case_sensitive: case,
            invalid_only: false,
        })
        .unwrap()
        .unwrap()
    }

    #[test]
    fn invalid_only_keeps_what_fails_its_schema() {
        let dir = std::env::temp_dir().join(format!("mqscope-filter-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let schema = dir.join("s.json");
        std::fs::write(&schema, r#"{"properties": {"t": {"type": "number"}}}"#).unwrap();
        let rule = format!("#=json-schema:{}", schema.display());
        let rules = crate::model::decode::rules::DecoderRules::parse([rule.as_str()]).unwrap();
        let on = |bytes: &[u8]| {
            let mut payload = p(bytes);
            payload.set_decoded(rules.decode("x", bytes));
            payload
        };
        let (good, bad) = (on(br#"{"t": 1}"#), on(br#"{"t": "one"}"#));
        let spec = FilterSpec {
            invalid_only: true,
            ..FilterSpec::default()
        };
        assert!(!spec.is_empty());
        let f = TopicFilter::new(&spec).unwrap().unwrap();
        assert!(f.reads_payloads());
        assert!(f.matches("x", Some(&bad)));
        assert!(!f.matches("x", Some(&good)));
        assert!(!f.matches("x", Some(&p(b"plain"))) && !f.matches("x", None));
        // With text too: both must hold.
        let f = TopicFilter::new(&FilterSpec {
            text: "kitchen".into(),
            ..spec
        })
        .unwrap()
        .unwrap();
        assert!(f.matches("kitchen/t", Some(&bad)) && !f.matches("hall/t", Some(&bad)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn text_finds_a_piece_with_or_without_case() {
        let f = filter("Temp", FilterMode::Text, FilterField::Topic, false);
        assert!(f.matches("home/kitchen/temperature", None));
        assert!(f.matches("office/TEMP", None));
        assert!(!f.matches("home/hall", None));
        let f = filter("Temp", FilterMode::Text, FilterField::Topic, true);
        assert!(!f.matches("home/kitchen/temperature", None));
        // Regex characters in text are just text.
        let f = filter("a.b(", FilterMode::Text, FilterField::Topic, false);
        assert!(f.matches("x/a.b(", None) && !f.matches("x/axb(", None));
    }

    #[test]
    fn mqtt_filters_match_as_a_broker_would() {
        let f = filter(
            "home/+/temperature",
            FilterMode::Mqtt,
            FilterField::Topic,
            false,
        );
        assert!(f.matches("home/kitchen/temperature", None));
        assert!(!f.matches("home/kitchen/Temperature", None), "exact case");
        assert!(!f.matches("home/temperature", None));
        assert!(!f.matches("home/a/b/temperature", None));
        let all = filter("#", FilterMode::Mqtt, FilterField::Topic, false);
        assert!(all.matches("a", None) && all.matches("a/b", None));
        assert!(
            !all.matches("$SYS/broker/uptime", None),
            "# does not match $ topics"
        );
        let plus = filter("+/broker/#", FilterMode::Mqtt, FilterField::Topic, false);
        assert!(!plus.matches("$SYS/broker/uptime", None));
        let sys = filter("$SYS/#", FilterMode::Mqtt, FilterField::Topic, false);
        assert!(sys.matches("$SYS/broker/uptime", None));
        let z = filter("zigbee2mqtt/#", FilterMode::Mqtt, FilterField::Topic, false);
        assert!(
            z.matches("zigbee2mqtt", None),
            "# also matches the parent level"
        );
        // Text mode reads a valid filter as one.
        let auto = filter(
            "home/+/temperature",
            FilterMode::Text,
            FilterField::Topic,
            false,
        );
        assert!(auto.matches("home/kitchen/temperature", None));
        assert!(
            TopicFilter::new(&FilterSpec {
                text: "a/#/b".into(),
                mode: FilterMode::Mqtt,
                ..FilterSpec::default()
            })
            .is_err()
        );
    }

    #[test]
    fn regex_and_payloads() {
        let f = filter(
            r"^sensors/\d+/temp$",
            FilterMode::Regex,
            FilterField::Topic,
            false,
        );
        assert!(f.matches("sensors/12/temp", None) && !f.matches("sensors/x/temp", None));
        let f = filter(
            r#""alarm":\s*true"#,
            FilterMode::Regex,
            FilterField::Payload,
            false,
        );
        assert!(f.matches("any", Some(&p(br#"{"alarm": true}"#))));
        assert!(
            !f.matches("alarm", Some(&p(br#"{"alarm": false}"#))),
            "not the topic"
        );
        assert!(!f.matches("any", None));
        // Invalid UTF-8 payloads are searched as bytes.
        let f = filter("ok", FilterMode::Text, FilterField::Both, false);
        assert!(f.matches("x", Some(&p(b"\xff\xfeOK"))));
        assert!(f.matches("ok/x", Some(&p(b"nothing"))));
        assert!(!f.matches("x", Some(&p(b"nothing"))));
        // Only the first bytes of a huge payload are looked at.
        let mut huge = vec![b'x'; PAYLOAD_SCAN_BYTES + 10];
        huge.extend_from_slice(b"ok");
        assert!(!f.matches("x", Some(&p(&huge))));
        // A decoded payload matches by what the rule made of it too.
        let f = filter("21.5", FilterMode::Text, FilterField::Payload, false);
        let mut packed = p(&21.5f32.to_le_bytes());
        assert!(!f.matches("x", Some(&packed)));
        let rules = crate::model::decode::rules::DecoderRules::parse(["#=binary:f32le"]).unwrap();
        packed.set_decoded(rules.decode("x", packed.bytes()));
        assert!(f.matches("x", Some(&packed)));
        let err = TopicFilter::new(&FilterSpec {
            text: "a(".into(),
            mode: FilterMode::Regex,
            ..FilterSpec::default()
        })
        .unwrap_err();
        assert!(
            err.starts_with("not a regular expression: unclosed group"),
            "{err}"
        );
        assert!(TopicFilter::new(&FilterSpec::default()).unwrap().is_none());
    }
}
