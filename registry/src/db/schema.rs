//! The tables, as diesel sees them (mirrors `migrations/sqlite`).

diesel::table! {
    categories (slug) {
        slug -> Text,
        name -> Text,
        name_zh -> Text,
        position -> Integer,
    }
}

diesel::table! {
    templates (id) {
        id -> BigInt,
        namespace -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    versions (id) {
        id -> BigInt,
        template_id -> BigInt,
        version -> Text,
        digest -> Text,
        size -> BigInt,
        title -> Text,
        summary -> Text,
        category -> Text,
        tags -> Text,
        upgrade_from -> Nullable<Text>,
        icon -> Nullable<Text>,
        manifest -> Text,
        readme -> Nullable<Text>,
        changelog -> Nullable<Text>,
        yanked -> Bool,
        published_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        kind -> Text,
        template_id -> BigInt,
        template -> Text,
        version -> Text,
        digest -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        scopes -> Text,
        description -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(versions -> templates (template_id));
diesel::joinable!(events -> templates (template_id));
diesel::allow_tables_to_appear_in_same_query!(categories, templates, versions, events, api_tokens);

diesel::table! {
    agent_reports (agent_id) {
        agent_id -> Text,
        agent_version -> Text,
        runtime -> Text,
        reported_at -> Timestamp,
    }
}

diesel::table! {
    agent_releases (agent_id, release) {
        agent_id -> Text,
        release -> Text,
        template -> Text,
        version -> Nullable<Text>,
        revision -> Nullable<BigInt>,
        state -> Text,
        message -> Text,
    }
}

diesel::joinable!(agent_releases -> agent_reports (agent_id));
diesel::allow_tables_to_appear_in_same_query!(agent_reports, agent_releases);

diesel::table! {
    search_cursors (index_uid) {
        index_uid -> Text,
        event_id -> BigInt,
        updated_at -> Timestamp,
    }
}
