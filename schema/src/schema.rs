//! The JSON Schema of format v1, for editors and `GET /api/v1/schema/template-v1.json`.

use crate::Manifest;

/// The JSON Schema of a `souk.yaml` manifest.
pub fn template_v1() -> serde_json::Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(Manifest)).expect("a schema always serialises");
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".into(),
            serde_json::Value::String("https://souk.dev/schema/template-v1.json".into()),
        );
    }
    schema
}
