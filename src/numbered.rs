//! Distinct values numbered in the order they are first seen, so that later stages index by
//! number instead of hashing or copying the values again.

use foldhash::{HashMap, HashMapExt};
use std::hash::Hash;

/// Values numbered in the order first seen; the one numbered last is found without hashing
/// (a worker's lines, an input's records, come in runs).
#[derive(Debug)]
pub struct Numbered<T> {
    values: Vec<T>,
    numbers: HashMap<T, u32>,
    /// The number given last.
    last: u32,
}

impl<T> Default for Numbered<T> {
    fn default() -> Self {
        Numbered {
            values: Vec::new(),
            numbers: HashMap::new(),
            last: 0,
        }
    }
}

impl<T: Clone + Eq + Hash> Numbered<T> {
    /// The number of `value`, given now if it is new.
    pub fn number(&mut self, value: T) -> u32 {
        if self.values.get(self.last as usize) != Some(&value) {
            let values = &mut self.values;
            self.last = *self.numbers.entry(value).or_insert_with_key(|v| {
                values.push(v.clone());
                (values.len() - 1) as u32
            });
        }
        self.last
    }

    /// The values, by number.
    pub fn values(&self) -> &[T] {
        &self.values
    }
}
