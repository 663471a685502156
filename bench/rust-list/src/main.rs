//! The Rust TaskStore's `Store::list()` path (v0.6.1: `query::list_data_jsons` with no
//! filter, then `serde_json::from_str::<T>` per row), on its own schema, for a same-run
//! comparison with TaskStore's `list()`. Built against Debian's vendored crates.
//!
//! usage: taskstore-list <items.jsonl> <db path> <reps>
//! Loads the log's latest version per id into `records` (untimed), then times `reps`
//! calls of list() and prints {"records": n, "medianMs": m, "times": [...]}.
use rusqlite::{params, Connection};
use serde::Deserialize;
use std::time::Instant;

#[allow(dead_code)]
#[derive(Deserialize)]
struct Meta {
    repo: String,
    branch: String,
    labels: Vec<String>,
    estimate_h: f64,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct Item {
    id: String,
    title: String,
    status: String,
    owner: String,
    priority: i64,
    meta: Meta,
    created_at: i64,
    updated_at: i64,
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS records (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    data_json TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE INDEX IF NOT EXISTS idx_records_collection ON records(collection);
CREATE INDEX IF NOT EXISTS idx_records_updated_at ON records(collection, updated_at);
"#;

fn list(conn: &Connection, collection: &str) -> Vec<Item> {
    let mut stmt = conn
        .prepare("SELECT data_json FROM records WHERE collection = ?1 ORDER BY updated_at DESC")
        .unwrap();
    let rows = stmt.query_map([collection], |row| row.get::<_, String>(0)).unwrap();
    let mut jsons = Vec::new();
    for row in rows {
        jsons.push(row.unwrap());
    }
    let mut results = Vec::with_capacity(jsons.len());
    for data_json in jsons {
        results.push(serde_json::from_str::<Item>(&data_json).unwrap());
    }
    results
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (jsonl, db_path, reps) = (&args[1], &args[2], args[3].parse::<usize>().unwrap());
    let conn = Connection::open(db_path).unwrap();
    conn.pragma_update(None, "busy_timeout", 5000).unwrap();
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    let text = std::fs::read_to_string(jsonl).unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT OR REPLACE INTO records (collection, id, data_json, updated_at) VALUES (?1, ?2, ?3, ?4)")
            .unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v.get("deleted").and_then(|d| d.as_bool()) == Some(true) {
                continue;
            }
            insert
                .execute(params!["items", v["id"].as_str().unwrap(), line, v["updated_at"].as_i64().unwrap()])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    let mut times = Vec::with_capacity(reps);
    let mut n = 0;
    for _ in 0..reps {
        let t = Instant::now();
        let items = list(&conn, "items");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        n = std::hint::black_box(items).len();
    }
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = sorted[sorted.len() / 2];
    let list: Vec<String> = times.iter().map(|t| format!("{t:.4}")).collect();
    println!("{{\"records\":{n},\"medianMs\":{median:.4},\"times\":[{}]}}", list.join(","));
}
