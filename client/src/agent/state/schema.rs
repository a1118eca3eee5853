//! The tables, as diesel sees them (mirrors `migrations/agent-sqlite`).

diesel::table! {
    releases (name) {
        name -> Text,
        template -> Text,
        current_revision -> Nullable<BigInt>,
        state -> Text,
        message -> Text,
        updated_at -> Text,
        requirement -> Text,
    }
}

diesel::table! {
    revisions (release, number) {
        release -> Text,
        number -> BigInt,
        version -> Text,
        digest -> Text,
        vals -> Text,
        rendered -> Text,
        outcome -> Text,
        reason -> Nullable<Text>,
        created_at -> Text,
    }
}

diesel::table! {
    init_jobs (release, component, job) {
        release -> Text,
        component -> Text,
        job -> Text,
        done_at -> Text,
    }
}

diesel::table! {
    journal (release) {
        release -> Text,
        operation -> Text,
        from_revision -> Nullable<BigInt>,
        to_revision -> BigInt,
        snapshots -> Text,
        started_at -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(releases, revisions, init_jobs, journal);
