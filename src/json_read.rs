//! A JSON object's fields read by name, for the hand-written readers of stored values (the
//! outbox, tokens, calls in progress, caches, the rate budget). serde's derive reads the same
//! values in tests, as the reference each reader must agree with (`testing::agree`). Why: with
//! no derive reading a `serde_json::Value` in the shipped wasm, serde's Value reader and its
//! error text (float formatting included) leave it: 68 KB raw, 25.5 KB gzip (issue 12).
//! Layer: core (pure).

use serde_json::{Map, Value};

/// One JSON object's fields, read by name. Each reader answers `None` for a field absent or
/// null, and an error naming the field for one of another type.
pub struct Fields<'a> {
    what: &'static str,
    pub map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub fn of(what: &'static str, value: &'a Value) -> Result<Self, String> {
        match value {
            Value::Object(map) => Ok(Fields { what, map }),
            _ => Err([what, " is not a JSON object"].concat()),
        }
    }

    pub fn present(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub fn wrong(&self, name: &str, expected: &str) -> String {
        [self.what, ": `", name, "` is not ", expected].concat()
    }

    pub fn missing(&self, name: &str) -> String {
        [self.what, " has no `", name, "`"].concat()
    }

    pub fn need<T>(&self, name: &str, value: Option<T>) -> Result<T, String> {
        value.ok_or_else(|| self.missing(name))
    }

    /// A required field, read by one of the readers below: `f.must("id", Fields::text)`.
    pub fn must<T>(&self, name: &str, read: impl Fn(&Self, &str) -> Result<Option<T>, String>) -> Result<T, String> {
        self.need(name, read(self, name)?)
    }

    pub fn text(&self, name: &str) -> Result<Option<String>, String> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong(name, "a string")),
        }
    }

    pub fn flag(&self, name: &str) -> Result<Option<bool>, String> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong(name, "true or false")),
        }
    }

    /// A whole number that fits an `i64` (a float, even `1.0`, is refused).
    pub fn int(&self, name: &str) -> Result<Option<i64>, String> {
        match self.present(name) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| self.wrong(name, "a whole number")),
        }
    }

    /// A whole number from 0 that fits a `u64`.
    pub fn uint(&self, name: &str) -> Result<Option<u64>, String> {
        match self.present(name) {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| self.wrong(name, "a whole number from 0")),
        }
    }

    /// A whole number from 0 that fits `T` (`u8`, `u32`).
    pub fn small<T: TryFrom<u64>>(&self, name: &str) -> Result<Option<T>, String> {
        match self.uint(name)? {
            None => Ok(None),
            Some(n) => T::try_from(n).map(Some).map_err(|_| self.wrong(name, "a small enough whole number")),
        }
    }

    /// A required string that must be one of `choices`' names: its value.
    pub fn one_of<T: Copy>(&self, name: &str, choices: &[(&str, T)]) -> Result<T, String> {
        let text = self.need(name, self.text(name)?)?;
        choices
            .iter()
            .find(|(n, _)| *n == text)
            .map(|(_, v)| *v)
            .ok_or_else(|| [self.what, ": `", name, "` is not a known value: ", &text].concat())
    }

    /// A list of strings.
    pub fn texts(&self, name: &str) -> Result<Option<Vec<String>>, String> {
        self.list(name, |v| v.as_str().map(str::to_string).ok_or_else(|| "not a string".to_string()))
    }

    /// A list, each item read by `read`.
    pub fn list<T>(&self, name: &str, read: impl Fn(&Value) -> Result<T, String>) -> Result<Option<Vec<T>>, String> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(&read)
                .collect::<Result<Vec<T>, String>>()
                .map(Some)
                .map_err(|e| [self.what, ": `", name, "`: ", &e].concat()),
            Some(_) => Err(self.wrong(name, "a list")),
        }
    }

    /// An object, read by `read`.
    pub fn object<T>(&self, name: &str, read: impl Fn(&Value) -> Result<T, String>) -> Result<Option<T>, String> {
        self.present(name).map(read).transpose()
    }
}
