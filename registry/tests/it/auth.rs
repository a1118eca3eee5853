//! Tokens and scopes: who may publish, yank and mint.

use crate::helpers::{assert_error, Fixture, TestApp, ADMIN};
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::json;
use souk_registry::Application;

async fn publishing_needs_a_token_with_the_namespace() {
    let app = TestApp::spawn().await;
    let tgz = Fixture::new("acme/app", "1.0.0").tgz();
    let gz = Some("application/gzip");

    let res = app
        .client
        .post(app.url("/api/v1/templates"))
        .header("Content-Type", "application/gzip")
        .body(tgz.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");

    assert_error(
        &app.publish_raw(
            Some("souk_unknown0000000000000000000000000000000"),
            gz,
            tgz.clone(),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let basic = app
        .client
        .post(app.url("/api/v1/templates"))
        .header("Authorization", format!("Basic {ADMIN}"))
        .header("Content-Type", "application/gzip")
        .body(tgz.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);

    for scopes in [&["publish:other"][..], &["read", "agent"]] {
        let token = app.token(scopes).await;
        assert_error(
            &app.publish_raw(Some(&token), gz, tgz.clone()).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        );
    }
    assert!(app.stored_files().is_empty());

    let acme = app.token(&["publish:acme"]).await;
    let got = app.publish_raw(Some(&acme), gz, tgz).await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
    let any = app.token(&["publish:*"]).await;
    let got = app
        .publish_raw(Some(&any), gz, Fixture::new("other/app", "1.0.0").tgz())
        .await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
}

async fn yanking_needs_a_token_with_the_namespace() {
    let app = TestApp::spawn().await;
    app.published(&Fixture::new("acme/app", "1.0.0")).await;
    assert_error(
        &app.yank_as(None, "acme/app", "1.0.0", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let other = app.token(&["publish:other"]).await;
    assert_error(
        &app.yank_as(Some(&other), "acme/app", "1.0.0", None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let acme = app.token(&["publish:acme"]).await;
    let (status, v) = app.yank_as(Some(&acme), "acme/app", "1.0.0", None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["yanked"], true);
}

async fn admins_mint_tokens_that_are_shown_once_and_stored_hashed() {
    let app = TestApp::spawn().await;
    let (status, minted) = app
        .mint_as(
            Some(ADMIN),
            json!({"scopes": ["publish:acme", "agent"], "description": "ci"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{minted}");
    let token = minted["token"].as_str().unwrap();
    assert!(token.starts_with("souk_") && token.len() == 45, "{token}");
    assert!(token[5..].bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(minted["scopes"], json!(["publish:acme", "agent"]));
    assert!(minted["id"].is_i64());
    insta::assert_json_snapshot!("minted_token", minted, {".token" => "[token]", ".id" => "[id]"});

    // Only the hash is stored: the token is nowhere in the database files.
    for entry in std::fs::read_dir(app.data_dir.path()).unwrap().flatten() {
        if entry.path().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "{} holds the token",
                entry.path().display()
            );
        }
    }

    // The new token works, and cannot mint.
    let got = app
        .publish_raw(
            Some(token),
            Some("application/gzip"),
            Fixture::new("acme/app", "1.0.0").tgz(),
        )
        .await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
    assert_error(
        &app.mint_as(Some(token), json!({"scopes": ["admin"]})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &app.mint_as(None, json!({"scopes": ["admin"]})).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error(
        &app.mint_as(Some(ADMIN), json!({"scopes": ["root"]})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error(
        &app.mint_as(Some(ADMIN), json!({"scopes": []})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error(
        &app.mint_as(Some(ADMIN), json!({"scope": "admin"})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
}

async fn a_first_start_without_an_admin_token_generates_one_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = Application::build(crate::helpers::config_for(dir.path()))
        .await
        .unwrap();
    let token = app
        .take_generated_admin_token()
        .expect("a generated admin token");
    assert!(token.expose_secret().starts_with("souk_"));
    let port = app.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let res = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/tokens"))
        .bearer_auth(token.expose_secret())
        .json(&json!({"scopes": ["agent"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();

    // The next start finds the admin token and shows none.
    let mut again = Application::build(crate::helpers::config_for(dir.path()))
        .await
        .unwrap();
    assert!(again.take_generated_admin_token().is_none());
}

crate::databases::on_both_databases!(
    publishing_needs_a_token_with_the_namespace,
    yanking_needs_a_token_with_the_namespace,
    admins_mint_tokens_that_are_shown_once_and_stored_hashed,
    a_first_start_without_an_admin_token_generates_one_once,
);
