//! Publishing: what a publish stores and answers, and everything it refuses,
//! leaving nothing behind.

use crate::helpers::{assert_error, gzip, raw_tgz, Fixture, TestApp, ADMIN, ICON_SVG};
use reqwest::StatusCode;
use serde_json::Value;
use souk_schema::Digest;
use tar::EntryType;

async fn a_publish_answers_the_version_and_serves_it_back() {
    let app = TestApp::spawn().await;
    let f = Fixture::new("acme/smart-warehouse", "1.2.0")
        .title("智慧物流与仓储解决方案")
        .category("logistics")
        .tags(&["warehouse", "rfid"])
        .upgrade_from(">=1.0.0")
        .readme("# Smart warehouse\nTracks goods.")
        .icon();
    let tgz = f.tgz();
    let digest = Digest::of(&tgz).to_string();

    let res = app
        .client
        .post(app.url("/api/v1/templates"))
        .bearer_auth(ADMIN)
        .header("Content-Type", "application/gzip")
        .body(tgz.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.headers()["location"],
        "/api/v1/templates/acme/smart-warehouse/versions/1.2.0"
    );
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["digest"], digest.as_str());
    insta::assert_json_snapshot!("published_version", v, {
        ".digest" => "[digest]",
        ".published_at" => "[time]",
        ".size" => "[size]",
    });

    // The version in full.
    let (status, detail) = app
        .get_json("/api/v1/templates/acme/smart-warehouse/versions/1.2.0")
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["digest"], digest.as_str());
    assert_eq!(detail["manifest"]["title"], "智慧物流与仓储解决方案");
    assert_eq!(detail["manifest"]["components"][0]["image"], "nginx:1.25");
    assert_eq!(detail["readme"], "# Smart warehouse\nTracks goods.");
    assert!(detail["changelog"].as_str().unwrap().contains("1.2.0"));

    // The package: the same bytes, immutable, with the digest as ETag.
    let path = "/api/v1/templates/acme/smart-warehouse/versions/1.2.0/package";
    let res = app.get(path).await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag = format!("\"{digest}\"");
    assert_eq!(res.headers()["content-type"], "application/gzip");
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), tgz.as_slice());

    let res = app
        .client
        .get(app.url(path))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert!(res.bytes().await.unwrap().is_empty());
    let res = app
        .client
        .get(app.url(path))
        .header("If-None-Match", "\"sha256:0000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // The icon, with its media type; a version without one is a 404.
    let res = app
        .get("/api/v1/templates/acme/smart-warehouse/versions/1.2.0/icon")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert_eq!(res.text().await.unwrap(), ICON_SVG);
    app.published(&Fixture::new("acme/plain", "1.0.0")).await;
    assert_error(
        &app.get_json("/api/v1/templates/acme/plain/versions/1.0.0/icon")
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // The `published` events, in order.
    let feed = app.events(0).await;
    assert_eq!(feed["cursor"], 2);
    assert_eq!(feed["events"][0]["type"], "published");
    assert_eq!(feed["events"][0]["template"], "acme/smart-warehouse");
    assert_eq!(feed["events"][0]["version"], "1.2.0");
    assert_eq!(feed["events"][0]["digest"], digest.as_str());
}

async fn a_version_is_published_once_whatever_the_bytes() {
    let app = TestApp::spawn().await;
    let first = Fixture::new("acme/app", "1.0.0");
    let v = app.published(&first).await;

    let again = app.publish(first.tgz()).await;
    assert_error(&again, StatusCode::CONFLICT, "version_exists");
    let other_bytes = app
        .publish(
            first
                .clone()
                .summary("Different bytes, same version.")
                .tgz(),
        )
        .await;
    assert_error(&other_bytes, StatusCode::CONFLICT, "version_exists");

    // The first publish stands, alone.
    let (_, t) = app.get_json("/api/v1/templates/acme/app").await;
    assert_eq!(t["digest"], v["digest"]);
    assert_eq!(t["summary"], "A template for tests.");
    assert_eq!(app.stored_files().len(), 1);
    assert_eq!(app.events(0).await["events"].as_array().unwrap().len(), 1);
}

async fn an_invalid_manifest_is_422_with_one_detail_per_problem() {
    let app = TestApp::spawn().await;
    let mut files = Fixture::new("acme/app", "1.0.0").files();
    let yaml = String::from_utf8(files["souk.yaml"].clone())
        .unwrap()
        .replace("kind: Template", "kind: App")
        .replace("version: \"1.0.0\"", "version: \"1.0\"")
        .replace("image: nginx:1.25", "image: \"NOT AN IMAGE\"");
    files.insert("souk.yaml".into(), yaml.into_bytes());
    let got = app
        .publish(souk_schema::package::write_tgz(&files).unwrap())
        .await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid_template");
    let paths: Vec<&str> = got.1["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["kind", "version", "components[0].image"],
        "{}",
        got.1
    );
    insta::assert_json_snapshot!("invalid_template", got.1);
    assert_nothing_stored(&app).await;
}

async fn an_unknown_category_is_422_naming_the_known_ones() {
    let app = TestApp::spawn().await;
    let got = app
        .publish(Fixture::new("acme/app", "1.0.0").category("space").tgz())
        .await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid_template");
    let details = got.1["error"]["details"].as_array().unwrap();
    assert_eq!(details.len(), 1);
    assert_eq!(details[0]["path"], "category");
    let message = details[0]["message"].as_str().unwrap();
    assert!(
        message.contains("`space`") && message.contains("`logistics`"),
        "{message}"
    );
    assert_nothing_stored(&app).await;
}

/// Nothing of a refused publish remains: no template, no blob, no event, no
/// search entry.
async fn assert_nothing_stored(app: &TestApp) {
    assert_eq!(app.stored_files(), Vec::<std::path::PathBuf>::new());
    assert_error(
        &app.get_json("/api/v1/templates/acme/app").await,
        StatusCode::NOT_FOUND,
        "template_not_found",
    );
    let feed = app.events(0).await;
    assert_eq!(feed["events"], serde_json::json!([]));
    assert_eq!(feed["cursor"], 0);
    let (_, found) = app.get_json("/api/v1/templates").await;
    assert_eq!(found["total"], 0);
}

async fn unsafe_and_oversized_packages_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let manifest = Fixture::new("acme/app", "1.0.0").yaml().into_bytes();
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "`..` entry",
            raw_tgz(&[
                ("souk.yaml", EntryType::Regular, &manifest),
                ("../evil.sh", EntryType::Regular, b"rm -rf /"),
            ]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsafe_package",
        ),
        (
            "symlink entry",
            raw_tgz(&[
                ("souk.yaml", EntryType::Regular, &manifest),
                ("passwd", EntryType::Symlink, b""),
            ]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsafe_package",
        ),
        (
            "absolute path",
            raw_tgz(&[
                ("souk.yaml", EntryType::Regular, &manifest),
                ("/etc/cron.d/evil", EntryType::Regular, b"* * * * * root sh"),
            ]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsafe_package",
        ),
        (
            "unpacks to more than 100 MiB",
            raw_tgz(&[
                ("souk.yaml", EntryType::Regular, &manifest),
                ("zeros", EntryType::Regular, &vec![0u8; 101 * 1024 * 1024]),
            ]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "package_too_large",
        ),
        (
            "body over 20 MiB",
            vec![7u8; 20 * 1024 * 1024 + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "package_too_large",
        ),
        (
            "not a gzip'd tar",
            b"this is not a package".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_package",
        ),
        (
            "no manifest",
            gzip(b""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_template",
        ),
    ];
    for (what, body, status, code) in cases {
        let got = app.publish(body).await;
        assert_eq!(got.0, status, "{what}: {}", got.1);
        assert_eq!(got.1["error"]["code"], code, "{what}: {}", got.1);
        assert_nothing_stored(&app).await;
    }
}

async fn only_gzip_bodies_are_accepted() {
    let app = TestApp::spawn().await;
    let tgz = Fixture::new("acme/app", "1.0.0").tgz();
    for ct in [
        Some("application/json"),
        Some("application/octet-stream"),
        None,
    ] {
        let got = app.publish_raw(Some(ADMIN), ct, tgz.clone()).await;
        assert_error(
            &got,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        );
    }
    assert_nothing_stored(&app).await;
    let got = app
        .publish_raw(Some(ADMIN), Some("application/x-gzip"), tgz)
        .await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
}

async fn a_corrupted_blob_is_a_500_and_is_never_served() {
    let app = TestApp::spawn().await;
    app.published(&Fixture::new("acme/app", "1.0.0").icon())
        .await;
    let blobs = app.stored_files();
    assert_eq!(blobs.len(), 1);
    std::fs::write(&blobs[0], b"bit rot").unwrap();

    for path in [
        "/api/v1/templates/acme/app/versions/1.0.0/package",
        "/api/v1/templates/acme/app/versions/1.0.0/icon",
    ] {
        let got = app.get_json(path).await;
        assert_error(&got, StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
        let text = got.1.to_string();
        assert!(
            !text.contains("sha256") && !text.contains("packages"),
            "{text}"
        );
    }
}

async fn a_streamed_body_is_cut_off_at_the_limit() {
    let app = TestApp::spawn().await;
    // No Content-Length: the registry counts the bytes as they come.
    let chunks =
        (0..21).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![1u8; 1024 * 1024])));
    let res = app
        .client
        .post(app.url("/api/v1/templates"))
        .bearer_auth(ADMIN)
        .header("Content-Type", "application/gzip")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    let got = crate::helpers::json(res).await;
    assert_error(&got, StatusCode::PAYLOAD_TOO_LARGE, "package_too_large");
    assert_nothing_stored(&app).await;
}

crate::databases::on_both_databases!(
    a_publish_answers_the_version_and_serves_it_back,
    a_version_is_published_once_whatever_the_bytes,
    an_invalid_manifest_is_422_with_one_detail_per_problem,
    an_unknown_category_is_422_naming_the_known_ones,
    unsafe_and_oversized_packages_are_refused_and_nothing_is_stored,
    only_gzip_bodies_are_accepted,
    a_corrupted_blob_is_a_500_and_is_never_served,
    a_streamed_body_is_cut_off_at_the_limit,
);
