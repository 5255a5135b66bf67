//! Topic filter → decoder rules as the user keeps them (in a connection profile, or
//! `FILTER=DECODER` on the command line), and what a rule made of one payload.
//!
//! The first rule whose filter matches a topic decodes it; when none does, Sparkplug B
//! payloads under `spBv1.0/` are decoded anyway (the automatic rule). A rule that does not
//! work (an unknown decoder, a bad filter) says why in words and decodes nothing; the
//! others go on working.

use std::sync::Arc;

use serde_json::Value;

use super::script::ScriptMessage;
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
    /// Where a Protobuf rule's `.proto` imports are looked for besides the file's folder:
    /// folders in the system's path-list form (`a:b`, `a;b` on Windows); empty for none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub imports: String,
}

impl DecoderRule {
    pub fn new(filter: impl Into<String>, decoder: impl Into<String>) -> Self {
        Self {
            filter: filter.into(),
            decoder: decoder.into(),
            imports: String::new(),
        }
    }

    /// The folders of [`Self::imports`], then `more`.
    fn import_paths(&self, more: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
        let own = self.imports.trim();
        let mut paths: Vec<std::path::PathBuf> = if own.is_empty() {
            Vec::new()
        } else {
            std::env::split_paths(own)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        };
        paths.extend(more.iter().cloned());
        paths
    }

    /// The rule's decoder when its filter and name are right, or why not in words.
    /// Reads no file: a schema or script it names is read by [`Self::load`].
    pub fn check(&self) -> Result<DecoderSpec, SpecError> {
        validate_filter(self.filter.trim()).map_err(|why| SpecError::Filter {
            filter: self.filter.clone(),
            why,
        })?;
        self.decoder.parse()
    }

    /// The rule's decoder ready to decode, its files read and compiled (`import_paths`:
    /// where `.proto` imports are looked for, besides the file's own folder), or why not.
    pub fn load(&self, import_paths: &[std::path::PathBuf]) -> Result<DecoderSpec, SpecError> {
        let mut spec = self.check()?;
        spec.load(&self.import_paths(import_paths))?;
        Ok(spec)
    }
}

/// A rule as compiled, and what it does in words, or why it does not work.
pub type RuleStatus = (DecoderRule, Result<String, String>);

/// The name the automatic Sparkplug B rule gives what it decodes.
pub const SPARKPLUG_AUTOMATIC: &str = "sparkplug (automatic under spBv1.0/)";

/// What a rule made of one payload (kept beside the raw bytes, which are never replaced).
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The rule's decoder as written (`base64+gzip+json`).
    pub by: Arc<str>,
    /// The value as compact JSON text, or why the payload could not be decoded.
    pub result: Result<Box<str>, Box<str>>,
    /// For a JSON Schema rule, where and why the value fails the schema (empty: it
    /// passes); `None` for other decoders.
    pub schema_errors: Option<Box<[Box<str>]>>,
}

impl Decoded {
    /// The decoded value (the JSON text parsed again), or `None` after an error.
    pub fn value(&self) -> Option<Value> {
        self.result
            .as_ref()
            .ok()
            .and_then(|text| serde_json::from_str(text).ok())
    }

    /// The first reason the value fails its rule's schema, if it does.
    pub fn invalid(&self) -> Option<&str> {
        self.schema_errors.as_ref()?.first().map(|e| &**e)
    }

    /// Heap bytes this takes as the allocator holds them, its shared block (with the
    /// counts of its `Arc`) and its text (for the history budget).
    pub fn heap_bytes(&self) -> usize {
        let text = match &self.result {
            Ok(t) | Err(t) => t.len(),
        };
        let errors = self.schema_errors.as_ref().map_or(0, |e| {
            allocated_bytes(e.len() * 16)
                + e.iter().map(|e| allocated_bytes(e.len())).sum::<usize>()
        });
        allocated_bytes(std::mem::size_of::<Self>() + 16) + allocated_bytes(text) + errors
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
    /// Rules as the command line gives them, `FILTER=DECODER` each, loaded (files read);
    /// the first that does not work is the error.
    pub fn parse<'a>(rules: impl IntoIterator<Item = &'a str>) -> Result<Self, SpecError> {
        Self::loaded(&Self::split(rules)?, &[])
    }

    /// `FILTER=DECODER` each, split at the last `=` (nothing checked yet).
    pub fn split<'a>(
        rules: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<DecoderRule>, SpecError> {
        rules
            .into_iter()
            .map(|rule| {
                let (filter, spec) = rule
                    .rsplit_once('=')
                    .ok_or_else(|| SpecError::NotARule(rule.to_string()))?;
                Ok(DecoderRule::new(filter, spec))
            })
            .collect()
    }

    /// Every rule of a list loaded (files read), or the first that does not work as the
    /// error (the command line).
    pub fn loaded(
        rules: &[DecoderRule],
        import_paths: &[std::path::PathBuf],
    ) -> Result<Self, SpecError> {
        let rules = rules
            .iter()
            .map(|rule| rule.load(import_paths).map(|spec| Rule::new(rule, spec)))
            .collect::<Result<Vec<_>, SpecError>>()?;
        Ok(Self { rules })
    }

    /// The rules of a profile that work, files read (blocking: a job's thread), and each
    /// rule's status: what it does, or why it does not work.
    pub fn compile(
        rules: &[DecoderRule],
        import_paths: &[std::path::PathBuf],
    ) -> (Self, Vec<RuleStatus>) {
        let mut working = Vec::new();
        let mut status = Vec::new();
        for rule in rules {
            match rule.load(import_paths) {
                Ok(spec) => {
                    status.push((rule.clone(), Ok(spec.describe())));
                    working.push(Rule::new(rule, spec));
                }
                Err(why) => status.push((rule.clone(), Err(why.to_string()))),
            }
        }
        (Self { rules: working }, status)
    }

    /// The rules that work without reading a file, up to the first that needs one (so
    /// that no later rule takes its topics meanwhile): what the worker decodes by until
    /// [`Self::compile`] is done.
    pub fn ready_now(rules: &[DecoderRule]) -> Self {
        let mut ready = Vec::new();
        for rule in rules {
            match rule.check() {
                Ok(spec) if spec.needs_files() => break,
                Ok(spec) => ready.push(Rule::new(rule, spec)),
                Err(_) => {}
            }
        }
        Self { rules: ready }
    }

    /// Adds `more` after these rules.
    pub fn extend(&mut self, more: Self) {
        self.rules.extend(more.rules);
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// `json` (a JSON value's text) encoded by the decoder of the first rule whose
    /// decoder is written `name`; why not in words.
    pub fn encode(&self, name: &str, json: &[u8]) -> Result<Vec<u8>, String> {
        let rule = self
            .rules
            .iter()
            .find(|r| &*r.name == name.trim())
            .ok_or_else(|| format!("no working decoder rule uses {name}"))?;
        let value: Value = serde_json::from_slice(json)
            .map_err(|e| format!("the payload is not a JSON value: {e}"))?;
        rule.spec.encode(&value)
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
        let message = ScriptMessage {
            topic,
            ..ScriptMessage::default()
        };
        self.decode_message(&message, bytes)
    }

    /// The same for a received message (a script sees its QoS, retain flag and user
    /// properties too).
    pub fn decode_incoming(&self, m: &crate::model::Incoming) -> Option<Decoded> {
        let message = ScriptMessage {
            topic: &m.topic,
            qos: m.message.qos.as_u8(),
            retain: m.message.retain,
            properties: m
                .message
                .properties
                .as_ref()
                .map_or(&[], |p| p.user_properties.as_slice()),
        };
        self.decode_message(&message, m.message.payload.bytes())
    }

    fn decode_message(&self, message: &ScriptMessage<'_>, bytes: &[u8]) -> Option<Decoded> {
        let topic = message.topic;
        // The topic's rule, found once; else the automatic Sparkplug B rule, if it applies.
        let automatic;
        let (by, spec) = match self.rule_for(topic) {
            Some(rule) => (rule.name.clone(), &rule.spec),
            None => {
                automatic = sparkplug(default_decoder(topic, bytes)?);
                (Arc::from(SPARKPLUG_AUTOMATIC), &automatic)
            }
        };
        let result = spec.decode_message(bytes, message);
        let schema_errors = match &result {
            Ok(value) => spec
                .schema_errors(value)
                .map(|errors| errors.into_iter().map(String::into_boxed_str).collect()),
            Err(_) => None,
        };
        Some(Decoded {
            by,
            result: match result {
                Ok(value) => Ok(value.to_string().into()),
                Err(why) => Err(why.into()),
            },
            schema_errors,
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
            rules.for_topic("plant/7/raw").map(|s| s.format.clone()),
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
        let (working, status) = DecoderRules::compile(&rules, &[]);
        assert_eq!(status.len(), 3);
        assert!(status[0].1.is_err() && status[1].1.is_err());
        assert_eq!(status[2].1, Ok("hex, then UTF-8 text".into()));
        assert_eq!(DecoderRules::ready_now(&rules), working);
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
    fn a_protobuf_rule_finds_its_imports_in_the_folders_it_names() {
        let dir = std::env::temp_dir().join(format!("mqscope-imports-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("meter.proto");
        std::fs::write(
            &file,
            "syntax = \"proto3\";\nimport \"units.proto\";\n\
             message Meter { common.Reading reading = 1; }\n",
        )
        .unwrap();
        let mut rule = DecoderRule::new("m/#", format!("protobuf:{}:Meter", file.display()));
        let e = rule.load(&[]).unwrap_err().to_string();
        assert!(
            e.contains("units.proto"),
            "not found without the folder: {e}"
        );
        let common = crate::testkit::plant_proto::fixtures().join("common");
        rule.imports = std::env::join_paths([&common])
            .unwrap()
            .into_string()
            .unwrap();
        let spec = rule.load(&[]).unwrap();
        // Reading { name: "air", value: 1.5 } inside Meter.
        let bytes = [
            0x0a, 0x0e, 0x0a, 0x03, b'a', b'i', b'r', 0x11, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,
        ];
        let v = spec.decode(&bytes).unwrap();
        assert_eq!(v["reading"]["value"], 1.5);
        // The same through a rule kept in a profile (JSON, with its imports).
        let saved: DecoderRule =
            serde_json::from_str(&serde_json::to_string(&rule).unwrap()).unwrap();
        assert_eq!(saved, rule);
        let _ = std::fs::remove_dir_all(&dir);
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
