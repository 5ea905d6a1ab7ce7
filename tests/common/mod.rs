//! Reads the fixtures that `tools/make_fixtures.py` wrote with real Keras.
#![allow(dead_code)]

use std::collections::HashMap;

/// One fixture case: named arrays of f32.
pub struct Case {
    pub name: String,
    pub arrays: HashMap<String, Vec<f32>>,
}

impl Case {
    pub fn get(&self, key: &str) -> &[f32] {
        self.arrays
            .get(key)
            .unwrap_or_else(|| panic!("case {} has no array {key}", self.name))
    }
}

/// All cases of a fixture file under `tests/fixtures/`.
pub fn load(file: &str) -> Vec<Case> {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut cases: Vec<Case> = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut words = line.split_whitespace();
        let key = words.next().unwrap();
        if key == "case" {
            cases.push(Case {
                name: words.next().unwrap().to_string(),
                arrays: HashMap::new(),
            });
            continue;
        }
        let count: usize = words.next().unwrap().parse().unwrap();
        let values: Vec<f32> = words.map(|w| w.parse().unwrap()).collect();
        assert_eq!(values.len(), count, "{path}: {key} is truncated");
        cases
            .last_mut()
            .expect("array before any case")
            .arrays
            .insert(key.to_string(), values);
    }
    cases
}

pub fn case<'a>(cases: &'a [Case], name: &str) -> &'a Case {
    cases
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

/// Asserts `got` equals Keras's `want` within 1e-5 relative (1e-6 absolute near 0).
pub fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 * w.abs() + 1e-6,
            "{what}[{i}]: got {g}, Keras gives {w}"
        );
    }
}

/// Asserts `got` is within `rel` of Keras's `want` (relative; `rel / 10`
/// absolute near 0).
pub fn assert_near(what: &str, got: &[f32], want: &[f32], rel: f32) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= rel * w.abs() + rel / 10.0,
            "{what}[{i}]: got {g}, Keras gives {w}"
        );
    }
}

/// The case's weights `w0`, `w1`, … in order.
pub fn weights(c: &Case) -> Vec<Vec<f32>> {
    (0..)
        .map(|i| format!("w{i}"))
        .take_while(|k| c.arrays.contains_key(k))
        .map(|k| c.get(&k).to_vec())
        .collect()
}

/// Feeds `check` `cases` damaged copies of `bytes` (a seeded generator):
/// truncated, a few bytes changed, or 8 bytes set to a huge offset or
/// length. Loops over file readers use it: `check` must not panic.
pub fn corrupt(bytes: &[u8], seed: u64, cases: usize, mut check: impl FnMut(&[u8])) {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // One copy, damaged and mended again in place for each case.
    let mut bad = bytes.to_vec();
    for _ in 0..cases {
        match next() % 4 {
            0 => check(&bytes[..(next() as usize) % bytes.len()]),
            1 if bad.len() > 8 => {
                let i = (next() as usize) % (bad.len() - 8);
                bad[i..i + 8].copy_from_slice(&(next() | 1 << 60).to_le_bytes());
                check(&bad);
                bad[i..i + 8].copy_from_slice(&bytes[i..i + 8]);
            }
            _ => {
                let mut changed = [0; 4];
                let count = 1 + (next() % 4) as usize;
                for at in &mut changed[..count] {
                    *at = (next() as usize) % bad.len();
                    bad[*at] = next() as u8;
                }
                check(&bad);
                for &at in &changed[..count] {
                    bad[at] = bytes[at];
                }
            }
        }
    }
}

/// How many damaged copies a corruption loop checks: `debug` in a debug
/// build, `release` in a release one, or `CORTEN_CORRUPTION_CASES` when it
/// is set (CI's release step: a million of each format).
#[allow(dead_code)]
pub fn corruption_cases(debug: usize, release: usize) -> usize {
    match std::env::var("CORTEN_CORRUPTION_CASES") {
        Ok(n) => n.parse().expect("CORTEN_CORRUPTION_CASES is a count"),
        Err(_) if cfg!(debug_assertions) => debug,
        Err(_) => release,
    }
}

/// The options the Keras `fit` fixtures ran with: `batch_size`, 3 epochs,
/// no shuffling (nothing printed).
pub fn keras_fit(batch_size: usize) -> corten::model::FitOptions<'static, f32> {
    corten::model::FitOptions {
        batch_size,
        epochs: 3,
        shuffle: false,
        verbose: corten::model::Verbosity::Silent,
        ..Default::default()
    }
}
