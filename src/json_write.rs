//! Values written as JSON by hand, for everything the worker stores or answers (the outbox,
//! tokens, calls in progress, caches, every `Response`). serde's derive writes the same values
//! in tests, as the reference each writer must agree with (`testing::agree_write`). Why: with no
//! derive writing a `serde_json::Value` in the shipped wasm, serde's serializer and every
//! type's monomorphized `Serialize` leave it (issue 12: size). The mirror of `json_read`.
//! Layer: core (pure).

use serde_json::{Map, Value};

/// A value as JSON, exactly as serde's derive for its type writes it.
pub trait ToJson {
    fn to_json(&self) -> Value;
}

impl ToJson for str {
    fn to_json(&self) -> Value {
        Value::String(self.to_owned())
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn to_json(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
integers!(u8, u16, u32, u64, usize, i32, i64);

impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
}

impl<T: ToJson + ?Sized> ToJson for Box<T> {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
}

/// `None` is `null`, as serde writes a field without `skip_serializing_if`.
impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToJson::to_json)
    }
}

impl<T: ToJson> ToJson for [T] {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        self.as_slice().to_json()
    }
}

/// A pair as serde writes a tuple: a two-element array.
impl<A: ToJson, B: ToJson> ToJson for (A, B) {
    fn to_json(&self) -> Value {
        Value::Array(vec![self.0.to_json(), self.1.to_json()])
    }
}

/// A JSON object written field by field (the map sorts its keys, as serde_json's does for the
/// derive, so the order of the calls only matters to a reader of the code).
#[derive(Default)]
pub struct Obj(Map<String, Value>);

impl Obj {
    pub fn new() -> Self {
        Obj(Map::new())
    }

    /// A variant of an internally tagged enum (`#[serde(tag = "kind")]`): `{"kind": variant}`.
    pub fn tagged(tag: &str, variant: &str) -> Self {
        Obj::new().set(tag, Value::String(variant.to_owned()))
    }

    /// A field serde always writes (`None` as `null`).
    pub fn put(self, name: &str, value: &(impl ToJson + ?Sized)) -> Self {
        self.set(name, value.to_json())
    }

    /// A field serde leaves out when it is `None` (`skip_serializing_if = "Option::is_none"`).
    pub fn some<T: ToJson>(self, name: &str, value: &Option<T>) -> Self {
        match value {
            Some(value) => self.set(name, value.to_json()),
            None => self,
        }
    }

    /// A field already written as JSON.
    pub fn set(mut self, name: &str, value: Value) -> Self {
        self.0.insert(name.to_owned(), value);
        self
    }

    /// Another value's fields written into this object: a newtype variant of an internally
    /// tagged enum, or a `#[serde(flatten)]` field. Anything but an object adds nothing (serde
    /// would refuse it; none of ours is).
    pub fn merge(mut self, fields: Value) -> Self {
        if let Value::Object(fields) = fields {
            self.0.extend(fields);
        }
        self
    }

    pub fn done(self) -> Value {
        Value::Object(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_building_blocks_write_what_serde_writes() {
        let text: Option<String> = None;
        assert_eq!(text.to_json(), serde_json::to_value(&text).unwrap());
        assert_eq!(Some("x".to_string()).to_json(), json!("x"));
        assert_eq!(vec![1u32, 2].to_json(), serde_json::to_value(vec![1u32, 2]).unwrap());
        for n in [i64::MIN, -1, 0, 1, i64::MAX] {
            assert_eq!(n.to_json(), serde_json::to_value(n).unwrap());
        }
        assert_eq!(u64::MAX.to_json(), serde_json::to_value(u64::MAX).unwrap());
        let built = Obj::tagged("kind", "card").put("a", &1u8).some("b", &text).some("c", &Some(true)).done();
        assert_eq!(built, json!({"kind": "card", "a": 1, "c": true}));
        assert_eq!(Obj::new().merge(json!({"x": 1})).merge(json!(3)).done(), json!({"x": 1}));
    }
}
