//! Script decoder rules: the user's JavaScript file defines `function decode(message)`,
//! run in an embedded QuickJS engine (rquickjs). `message` is `{topic, payload
//! (Uint8Array), text (string or null), qos, retain, properties}`; the function returns
//! any JSON value. An optional `function encode(value)` returns a string or a Uint8Array
//! for publishing.
//!
//! Each call may take [`CALL_TIME_LIMIT`], and the script's engine at most
//! [`MEMORY_LIMIT`]; an error, a timeout or running out of memory is said in words with
//! the file and line, and the engine stays usable for the next message.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rquickjs::{CatchResultExt, CaughtError, Context, Ctx, Function, Object, Runtime, TypedArray};
use serde_json::Value;

/// Longest a call of `decode` or `encode` (or the script's first run) may take.
pub const CALL_TIME_LIMIT: Duration = Duration::from_millis(250);
/// Most memory the engine of one script may hold.
pub const MEMORY_LIMIT: usize = 64 << 20;
/// Largest script file read.
const MOST_SCRIPT_BYTES: u64 = 1 << 20;

/// What a message looks like to a script.
#[derive(Clone, Debug, Default)]
pub struct ScriptMessage<'a> {
    pub topic: &'a str,
    pub qos: u8,
    pub retain: bool,
    /// MQTT 5 user properties.
    pub properties: &'a [(String, String)],
}

/// A script file; run once by [`Script::load`].
#[derive(Clone)]
pub struct Script {
    pub file: PathBuf,
    engine: Option<Arc<Engine>>,
}

/// The engine a script runs in, and when the running call must stop.
struct Engine {
    runtime: Runtime,
    context: Context,
    /// The deadline of the call running, in microseconds since `epoch` (0: none).
    deadline_us: Arc<AtomicU64>,
    epoch: Instant,
    has_encode: bool,
}

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Script")
            .field("file", &self.file)
            .field("loaded", &self.engine.is_some())
            .finish()
    }
}

impl PartialEq for Script {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file
    }
}

impl Eq for Script {}

impl Script {
    pub fn new(file: &str) -> Option<Self> {
        let file = file.trim();
        (!file.is_empty()).then(|| Self {
            file: file.into(),
            engine: None,
        })
    }

    /// The file's name, as errors say it.
    fn name(&self) -> String {
        self.file.file_name().map_or_else(
            || self.file.display().to_string(),
            |n| n.to_string_lossy().into(),
        )
    }

    /// Reads and runs the script once, and checks it defines `decode`; why not in words.
    pub fn load(&mut self) -> Result<(), String> {
        let shown = self.file.display().to_string();
        let source = super::read_named_file(&self.file, MOST_SCRIPT_BYTES)?;
        let source =
            String::from_utf8(source).map_err(|e| format!("{shown}: not UTF-8 text: {e}"))?;
        let runtime = Runtime::new().map_err(|e| format!("{shown}: {e}"))?;
        runtime.set_memory_limit(MEMORY_LIMIT);
        runtime.set_max_stack_size(1 << 20);
        let deadline_us = Arc::new(AtomicU64::new(0));
        let epoch = Instant::now();
        let watch = deadline_us.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || {
            let deadline = watch.load(Ordering::Relaxed);
            deadline != 0 && epoch.elapsed().as_micros() as u64 > deadline
        })));
        let context = Context::full(&runtime).map_err(|e| format!("{shown}: {e}"))?;
        let mut engine = Engine {
            runtime,
            context,
            deadline_us,
            epoch,
            has_encode: false,
        };
        let name = self.name();
        let has = engine.run(&name, |ctx| {
            let mut options = rquickjs::context::EvalOptions::default();
            options.filename = Some(name.clone());
            options.global = true;
            ctx.eval_with_options::<(), _>(source.as_bytes(), options)
                .catch(ctx)
                .map_err(|e| caught(&name, e))?;
            let has = |f: &str| ctx.globals().get::<_, Function>(f).is_ok();
            Ok((has("decode"), has("encode")))
        })?;
        match has {
            (true, encode) => engine.has_encode = encode,
            (false, _) => return Err(format!("{shown} defines no function decode(message)")),
        }
        self.engine = Some(Arc::new(engine));
        Ok(())
    }

    /// "JavaScript decode() of decoder.js".
    pub fn describe(&self) -> String {
        let encode = match &self.engine {
            Some(e) if e.has_encode => " (and encode())",
            _ => "",
        };
        format!("JavaScript decode(){encode} of {}", self.name())
    }

    /// What the script's `decode` makes of `bytes`, as JSON.
    pub fn decode(&self, bytes: &[u8], message: &ScriptMessage<'_>) -> Result<Value, String> {
        let engine = self.engine()?;
        let name = self.name();
        engine.run(&name, |ctx| {
            let m = message_object(ctx, bytes, message).map_err(|e| e.to_string())?;
            let decode: Function = ctx.globals().get("decode").map_err(|e| e.to_string())?;
            let out: rquickjs::Value =
                decode.call((m,)).catch(ctx).map_err(|e| caught(&name, e))?;
            to_json(ctx, out, &name)
        })
    }

    /// What the script's `encode` makes of `value`, as bytes to publish.
    pub fn encode(&self, value: &Value) -> Result<Vec<u8>, String> {
        let engine = self.engine()?;
        if !engine.has_encode {
            return Err(format!("{} defines no function encode(value)", self.name()));
        }
        let name = self.name();
        engine.run(&name, |ctx| {
            let input = ctx
                .json_parse(value.to_string())
                .catch(ctx)
                .map_err(|e| caught(&name, e))?;
            let encode: Function = ctx.globals().get("encode").map_err(|e| e.to_string())?;
            let out: rquickjs::Value = encode
                .call((input,))
                .catch(ctx)
                .map_err(|e| caught(&name, e))?;
            if let Some(s) = out.as_string() {
                return s
                    .to_string()
                    .map(String::into_bytes)
                    .map_err(|e| e.to_string());
            }
            if out
                .as_object()
                .is_some_and(|o| o.as_typed_array::<u8>().is_some())
            {
                // Read through Array.from: the bytes are copied out without unsafe code.
                let from: Function = ctx
                    .eval("(a) => Array.from(a)")
                    .map_err(|e| e.to_string())?;
                let numbers: Vec<u8> =
                    from.call((out,)).catch(ctx).map_err(|e| caught(&name, e))?;
                return Ok(numbers);
            }
            Err(format!(
                "{name}: encode() must return a string or a Uint8Array"
            ))
        })
    }

    fn engine(&self) -> Result<&Engine, String> {
        self.engine
            .as_deref()
            .ok_or_else(|| format!("{} was not run", self.file.display()))
    }
}

impl Engine {
    /// Runs `call` in the script's context under the time limit (a call that runs past it
    /// is stopped and said to have timed out).
    fn run<T>(
        &self,
        name: &str,
        call: impl for<'js> FnOnce(&Ctx<'js>) -> Result<T, String>,
    ) -> Result<T, String> {
        let deadline = self.epoch.elapsed() + CALL_TIME_LIMIT;
        self.deadline_us
            .store(deadline.as_micros() as u64, Ordering::Relaxed);
        let result = self.context.with(|ctx| call(&ctx));
        self.deadline_us.store(0, Ordering::Relaxed);
        // What the call left behind is freed now, not at some later call.
        self.runtime.run_gc();
        if self.epoch.elapsed() > deadline {
            return Err(format!(
                "{name}: stopped after {} ms (the time limit)",
                CALL_TIME_LIMIT.as_millis()
            ));
        }
        result
    }
}

/// The `message` argument of `decode`.
fn message_object<'js>(
    ctx: &Ctx<'js>,
    bytes: &[u8],
    message: &ScriptMessage<'_>,
) -> rquickjs::Result<Object<'js>> {
    let m = Object::new(ctx.clone())?;
    m.set("topic", message.topic)?;
    m.set("payload", TypedArray::<u8>::new_copy(ctx.clone(), bytes)?)?;
    match std::str::from_utf8(bytes) {
        Ok(text) => m.set("text", text)?,
        Err(_) => m.set("text", rquickjs::Null)?,
    }
    m.set("qos", i32::from(message.qos))?;
    m.set("retain", message.retain)?;
    let properties = Object::new(ctx.clone())?;
    for (k, v) in message.properties {
        properties.set(k.as_str(), v.as_str())?;
    }
    m.set("properties", properties)?;
    Ok(m)
}

/// `value` (what a script returned) as JSON; `undefined` is null.
fn to_json<'js>(ctx: &Ctx<'js>, value: rquickjs::Value<'js>, name: &str) -> Result<Value, String> {
    let text = ctx
        .json_stringify(value)
        .catch(ctx)
        .map_err(|e| caught(name, e))?;
    let Some(text) = text else {
        return Ok(Value::Null);
    };
    let text = text.to_string().map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| format!("{name}: decode() gave no JSON value: {e}"))
}

/// A script's error in words: its message and the line it was on.
fn caught(name: &str, e: CaughtError<'_>) -> String {
    match e {
        CaughtError::Exception(ex) => {
            let message = ex.message().unwrap_or_default();
            let line = ex.stack().and_then(|s| line_in(&s, name));
            let message = if message.contains("out of memory") {
                format!("{message} (the limit is {} MiB)", MEMORY_LIMIT >> 20)
            } else if message.contains("interrupted") {
                format!(
                    "stopped after {} ms (the time limit)",
                    CALL_TIME_LIMIT.as_millis()
                )
            } else {
                message
            };
            match line {
                Some(line) => format!("{name}:{line}: {message}"),
                None => format!("{name}: {message}"),
            }
        }
        CaughtError::Value(v) => format!("{name}: threw {v:?}"),
        CaughtError::Error(e) => {
            let e = e.to_string();
            if e.contains("out of memory") || e.contains("Allocation") {
                format!(
                    "{name}: out of memory (the limit is {} MiB)",
                    MEMORY_LIMIT >> 20
                )
            } else {
                format!("{name}: {e}")
            }
        }
    }
}

/// The first line number of `name` in a stack trace ("at decode (name:3:9)").
fn line_in(stack: &str, name: &str) -> Option<u32> {
    let at = stack.find(&format!("{name}:"))? + name.len() + 1;
    let digits: String = stack[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scripts")
    }

    fn loaded(name: &str) -> Result<Script, String> {
        let mut s = Script::new(fixtures().join(name).to_str().unwrap()).unwrap();
        s.load().map(|()| s)
    }

    fn on(topic: &str) -> ScriptMessage<'_> {
        ScriptMessage {
            topic,
            qos: 1,
            retain: true,
            properties: &[],
        }
    }

    /// A fix packed by hand (std's to_le_bytes, independent of the script).
    fn fix() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(52.52f32.to_le_bytes());
        b.extend(13.405f32.to_le_bytes());
        b.push(87);
        b
    }

    #[test]
    fn decode_sees_the_message_and_encode_gives_bytes_back() {
        let s = loaded("tracker.js").unwrap();
        assert_eq!(
            s.describe(),
            "JavaScript decode() (and encode()) of tracker.js"
        );
        let v = s.decode(&fix(), &on("fleet/7")).unwrap();
        assert_eq!(v["topic"], "fleet/7");
        assert_eq!(v["lat"], 52.52);
        assert_eq!(v["lon"], 13.405);
        assert_eq!(v["battery"], 87);
        assert_eq!(
            (v["qos"].as_u64(), v["retain"].as_bool()),
            (Some(1), Some(true))
        );
        assert_eq!(v["text_is_null"], true, "9 bytes that are not UTF-8");
        let back = s.encode(&v).unwrap();
        assert_eq!(back, fix());
    }

    #[test]
    fn hostile_scripts_are_stopped_in_words_and_the_engine_goes_on() {
        let s = loaded("hostile.js").unwrap();
        let m = on("x");
        let e = s.decode(b"loop", &m).unwrap_err();
        assert!(e.contains("stopped after 250 ms"), "{e}");
        let e = s.decode(b"gigabyte", &m).unwrap_err();
        assert!(e.contains("out of memory"), "{e}");
        let e = s.decode(b"throw", &m).unwrap_err();
        assert!(
            e.starts_with("hostile.js:15: no reading in this payload"),
            "{e}"
        );
        // The engine still works after each of them.
        assert_eq!(s.decode(b"fine", &m).unwrap()["ok"], "fine");
        let e = s.encode(&Value::Null).unwrap_err();
        assert!(e.contains("defines no function encode"), "{e}");
    }

    #[test]
    fn scripts_that_cannot_run_say_why() {
        let e = loaded("nodecode.js").err().unwrap();
        assert!(
            e.ends_with("nodecode.js defines no function decode(message)"),
            "{e}"
        );
        let e = loaded("syntax.js").err().unwrap();
        assert!(e.starts_with("syntax.js:3: "), "file and line: {e}");
        let e = loaded("deleted.js").err().unwrap();
        assert!(e.contains("deleted.js: "), "{e}");
    }

    #[test]
    fn random_bytes_never_panic() {
        let s = loaded("tracker.js").unwrap();
        let mut rng = fastrand::Rng::with_seed(16);
        for _ in 0..2_000 {
            let len = rng.usize(0..40);
            let buf: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
            let _ = s.decode(&buf, &on("x"));
        }
        let huge: Vec<u8> = (0..16 << 20).map(|_| rng.u8(..)).collect();
        let _ = s.decode(&huge, &on("x"));
    }
}
