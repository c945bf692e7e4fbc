//! The matching key of words (`khabar.text.ner.features.key`): diacritics and tatweel dropped, the alef forms,
//! alef maksura and teh marbuta unified, over the classes Python hands in. Entity extraction needs the key of
//! every token of an article (~330): a Python call per token took 9% of the worker's time per article.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::py::{char_of, code_points, string_of};

/// What `key` does to each code point: drop it, replace it, or keep it. Every class it is made from lies in
/// the BMP (`core_tables`), so a code point beyond it is kept.
pub struct KeyTable {
    bmp: Vec<u32>, // what each BMP code point becomes, or DROP
}

const BMP: u32 = 0x10000;
const DROP: u32 = u32::MAX;

impl KeyTable {
    pub fn new(dropped: &str, unified: FxHashMap<char, char>) -> Self {
        let dropped: FxHashSet<char> = dropped.chars().collect();
        let bmp = (0..BMP)
            .map(|code| match char::from_u32(code) {
                Some(c) if dropped.contains(&c) => DROP,
                Some(c) => *unified.get(&c).unwrap_or(&c) as u32,
                None => code, // a surrogate: kept, as Python keeps a lone one
            })
            .collect();
        KeyTable { bmp }
    }

    /// What a code point becomes, or DROP.
    fn code(&self, code: u32) -> u32 {
        self.bmp.get(code as usize).copied().unwrap_or(code)
    }

    pub fn drops(&self, c: &char) -> bool {
        self.code(*c as u32) == DROP
    }

    pub fn key(&self, word: &[char]) -> Vec<char> {
        word.iter()
            .map(|&c| self.code(c as u32))
            .filter(|&c| c != DROP)
            .map(char_of)
            .collect()
    }
}

#[pyclass(frozen, module = "khabar_text_core")]
pub struct WordKeys {
    table: KeyTable,
}

#[pymethods]
impl WordKeys {
    #[new]
    fn new(dropped: &str, unified: FxHashMap<char, char>) -> Self {
        WordKeys {
            table: KeyTable::new(dropped, unified),
        }
    }

    /// The key of every word of every sentence (lists of str), as lists of str; a word that is its own key
    /// comes back as the same object.
    fn sentences<'py>(&self, py: Python<'py>, sentences: Vec<Bound<'py, PyList>>) -> PyResult<Vec<Bound<'py, PyList>>> {
        sentences
            .iter()
            .map(|words| {
                let keys = words
                    .iter()
                    .map(|word| self.word(py, word.cast_into::<PyString>()?))
                    .collect::<PyResult<Vec<_>>>()?;
                PyList::new(py, keys)
            })
            .collect()
    }
}

impl WordKeys {
    fn word<'py>(&self, py: Python<'py>, word: Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
        let codes = code_points(&word)?;
        if codes.iter().all(|&c| self.table.code(c) == c) {
            return Ok(word.into_any());
        }
        let key: Vec<u32> = codes
            .into_iter()
            .map(|c| self.table.code(c))
            .filter(|&c| c != DROP)
            .collect();
        string_of(py, &key)
    }
}
