//! Topic filter → decoder rules as the user keeps them (in a connection profile, or
//! `FILTER=DECODER` on the command line), and what a rule made of one payload.
//!
//! The first rule whose filter matches a topic decodes it; when none does, Sparkplug B
//! payloads under `spBv1.0/` are decoded anyway (the automatic rule). A rule that does not
//! work (an unknown decoder, a bad filter) says why in words and decodes nothing; the
//! others go on working.

use std::sync::Arc;

use serde_json::Value;

use super::spec::{DecoderSpec, Format, SpecError};
use super::{Decoder, default_decoder};
use crate::model::message::allocated_bytes;
use crate::model::topic_path::{matches_filter, validate_filter};

/// One rule as typed and saved: a topic filter and a decoder's name.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DecoderRule {
    /// MQTT topic filter, wildcards allowed (`plant/+/raw`, `sensors/#`).
    pub filter: String,
    /// The decoder, as `mqscope sub --decode` names it (`base64+gzip+json`).
    pub decoder: String,
}

impl DecoderRule {
    pub fn new(filter: impl Into<String>, decoder: impl Into<String>) -> Self {
        Self {
            filter: filter.into(),
            decoder: decoder.into(),
        }
    }

    /// The rule's decoder when the rule works, or why not in words.
    pub fn check(&self) -> Result<DecoderSpec, SpecError> {
        validate_filter(self.filter.trim()).map_err(|why| SpecError::Filter {
            filter: self.filter.clone(),
            why,
        })?;
        self.decoder.parse()
    }
}

/// The name the automatic Sparkplug B rule gives what it decodes.
pub const SPARKPLUG_AUTOMATIC: &str = "sparkplug (automatic under spBv1.0/)";

/// What a rule made of one payload (kept beside the raw bytes, which are never replaced).
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The rule's decoder as written (`base64+gzip+json`).
    pub by: Arc<str>,
    /// The value as compact JSON text, or why the payload could not be decoded.
    pub result: Result<Box<str>, Box<str>>,
}

impl Decoded {
    /// The decoded value (the JSON text parsed again), or `None` after an error.
    pub fn value(&self) -> Option<Value> {
        self.result
            .as_ref()
            .ok()
            .and_then(|text| serde_json::from_str(text).ok())
    }

    /// Heap bytes this takes as the allocator holds them, its shared block (with the
    /// counts of its `Arc`) and its text (for the history budget).
    pub fn heap_bytes(&self) -> usize {
        let text = match &self.result {
            Ok(t) | Err(t) => t.len(),
        };
        allocated_bytes(std::mem::size_of::<Self>() + 16) + allocated_bytes(text)
    }
}

/// One working rule.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    filter: String,
    name: Arc<str>,
    spec: DecoderSpec,
}

impl Rule {
    fn new(rule: &DecoderRule, spec: DecoderSpec) -> Self {
        Self {
            filter: rule.filter.trim().to_string(),
            name: rule.decoder.trim().into(),
            spec,
        }
    }
}

/// The working rules, in order; the first whose filter matches a topic decodes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecoderRules {
    rules: Vec<Rule>,
}

impl DecoderRules {
    /// Rules as the command line gives them: `FILTER=DECODER` each; the first that does
    /// not work is the error.
    pub fn parse<'a>(rules: impl IntoIterator<Item = &'a str>) -> Result<Self, SpecError> {
        let rules = rules
            .into_iter()
            .map(|rule| {
                let (filter, spec) = rule
                    .rsplit_once('=')
                    .ok_or_else(|| SpecError::NotARule(rule.to_string()))?;
                Ok(DecoderRule::new(filter, spec))
            })
            .collect::<Result<Vec<_>, SpecError>>()?;
        Self::checked(&rules)
    }

    /// Every rule of a list, or the first that does not work as the error.
    pub fn checked(rules: &[DecoderRule]) -> Result<Self, SpecError> {
        let rules = rules
            .iter()
            .map(|rule| rule.check().map(|spec| Rule::new(rule, spec)))
            .collect::<Result<Vec<_>, SpecError>>()?;
        Ok(Self { rules })
    }

    /// The rules of a profile that work (see [`DecoderRule::check`] for the others).
    pub fn working(rules: &[DecoderRule]) -> Self {
        let rules = rules
            .iter()
            .filter_map(|rule| Some(Rule::new(rule, rule.check().ok()?)))
            .collect();
        Self { rules }
    }

    /// Adds `more` after these rules.
    pub fn extend(&mut self, more: Self) {
        self.rules.extend(more.rules);
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The decoder of `topic`: the first rule that matches it.
    pub fn for_topic(&self, topic: &str) -> Option<&DecoderSpec> {
        self.rule_for(topic).map(|r| &r.spec)
    }

    fn rule_for(&self, topic: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| matches_filter(&r.filter, topic))
    }

    /// What the rules make of a payload of `topic`: the first matching rule's result, or
    /// the automatic Sparkplug B rule's, or `None` when no rule is for this topic.
    pub fn decode(&self, topic: &str, bytes: &[u8]) -> Option<Decoded> {
        let (by, result) = match self.rule_for(topic) {
            Some(rule) => (rule.name.clone(), rule.spec.decode(bytes)),
            None => {
                let d = default_decoder(topic, bytes)?;
                (SPARKPLUG_AUTOMATIC.into(), sparkplug(d).decode(bytes))
            }
        };
        Some(Decoded {
            by,
            result: match result {
                Ok(value) => Ok(value.to_string().into()),
                Err(why) => Err(why.into()),
            },
        })
    }
}

fn sparkplug(d: Decoder) -> DecoderSpec {
    DecoderSpec {
        steps: Vec::new(),
        format: Format::Tree(d),
    }
}

#[cfg(test)]
mod tests {
    use super::super::spec::PreStep;
    use super::*;

    fn spec(s: &str) -> DecoderSpec {
        s.parse().unwrap()
    }

    #[test]
    fn rules_take_the_first_match() {
        let rules = DecoderRules::parse([
            "plant/+/raw=binary:f32le[]",
            "plant/#=gzip+json",
            "x=y=msgpack",
        ]);
        // A filter cannot hold '=' in a useful way, but a name can't either: the last '='
        // splits, and "x=y" is a valid topic filter.
        let rules = rules.unwrap();
        assert_eq!(
            rules.for_topic("plant/7/raw").map(|s| s.format),
            Some(spec("binary:f32le[]").format)
        );
        assert_eq!(
            rules.for_topic("plant/7/state").map(|s| s.steps.clone()),
            Some(vec![PreStep::Gzip])
        );
        assert!(rules.for_topic("other").is_none());
        assert_eq!(
            DecoderRules::parse(["no-equals"]).unwrap_err(),
            SpecError::NotARule("no-equals".into())
        );
        let e = DecoderRules::parse(["a/#/b=json"]).unwrap_err();
        assert!(e.to_string().contains("is not a topic filter"), "{e}");
    }

    #[test]
    fn broken_rules_say_why_and_the_others_still_work() {
        let rules = [
            DecoderRule::new("a/#/b", "json"),
            DecoderRule::new("bin/#", "rot13"),
            DecoderRule::new("hex/#", "hex+text"),
        ];
        assert!(
            rules[0]
                .check()
                .unwrap_err()
                .to_string()
                .contains("is not a topic filter")
        );
        assert!(
            rules[1]
                .check()
                .unwrap_err()
                .to_string()
                .contains("\"rot13\" is not a decoder")
        );
        let working = DecoderRules::working(&rules);
        let d = working.decode("hex/1", b"6869").unwrap();
        assert_eq!(&*d.by, "hex+text");
        assert_eq!(d.result, Ok("\"hi\"".into()));
        assert_eq!(d.value(), Some(Value::String("hi".into())));
        assert!(working.decode("bin/1", b"x").is_none());
        let d = working.decode("hex/2", b"zz").unwrap();
        assert_eq!(d.result, Err("not hex: no hex digit at 0".into()));
        assert_eq!(d.value(), None);
    }

    #[test]
    fn sparkplug_is_decoded_when_no_rule_matches() {
        let none = DecoderRules::default();
        let d = none.decode("spBv1.0/g/NDATA/n", &[0x08, 0x01]).unwrap();
        assert_eq!(&*d.by, SPARKPLUG_AUTOMATIC);
        assert!(d.result.is_ok());
        assert!(none.decode("spBv1.0/STATE/host", b"{}").is_none());
        assert!(none.decode("plant/1", &[0x08, 0x01]).is_none());
        let rules = DecoderRules::parse(["spBv1.0/#=hex+text"]).unwrap();
        let d = rules.decode("spBv1.0/g/NDATA/n", b"6869").unwrap();
        assert_eq!(&*d.by, "hex+text");
    }
}
