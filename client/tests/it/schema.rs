//! `souk schema`: the template JSON Schema, as the registry serves it.

use crate::souk;

#[test]
fn schema_prints_the_template_json_schema() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [&["schema"][..], &["schema", "--output", "json"]] {
        let run = souk(tmp.path(), args);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("\"title\""));
        let schema: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
        assert_eq!(schema, souk_schema::schema::template_v1());
        assert!(schema["properties"]["components"].is_object());
        assert_eq!(run.stderr, "");
    }
}
