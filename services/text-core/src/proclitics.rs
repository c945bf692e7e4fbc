//! Proclitic splitting (`khabar.text.tokenise`, tabled): how many leading characters of a word are a
//! proclitic, by the rules table of word shapes and its word lists, else by evidence from the same article.

use std::collections::{HashMap, HashSet};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::py::{attribute, items, table, u16_of, u8_of};

// The letters of [ء-ي], and ٱ, which the search form makes an alef.
const ARABIC_FIRST: u16 = 0x621;
const ARABIC_LAST: u16 = 0x64A;
const ALEF_WASLA: u16 = 0x671;

/// Rule bits of the proclitic table (`khabar.text.tokenise`), given by the Python side.
pub struct RuleBits {
    pub length_shift: u32,
    pub article_mask: u8,
    pub verb: u8,
    pub evidence_shift: u32,
    pub maybe_function: u8,
    pub maybe_not_definite: u8,
}

/// The rules: the class of each of a word's first four characters, the rules of a word's shape, and the
/// word lists they defer to.
pub struct Proclitics {
    pub class_at: Vec<Vec<u16>>,
    pub rules: Vec<u8>,
    pub bits: RuleBits,
    pub not_definite: FxHashSet<Vec<u16>>,
    pub function_words: FxHashMap<Vec<u16>, u8>,
    pub whole_words: FxHashSet<Vec<u16>>,
    pub article: Vec<u16>,
}

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

impl RuleBits {
    fn from_python(bits: &Bound<PyAny>) -> PyResult<Self> {
        let bit = |name: &str| -> PyResult<u32> { attribute(bits, name)?.extract() };
        Ok(RuleBits {
            length_shift: bit("length_shift")?,
            article_mask: bit("article_mask")? as u8,
            verb: bit("verb")? as u8,
            evidence_shift: bit("evidence_shift")?,
            maybe_function: bit("maybe_function")? as u8,
            maybe_not_definite: bit("maybe_not_definite")? as u8,
        })
    }
}

impl Proclitics {
    /// The rules from the Python side (`khabar.text.tokenise.RuleTables`), each per-character table `size`
    /// entries long.
    pub fn from_python(tables: &Bound<PyAny>, size: usize) -> PyResult<Self> {
        let class_at: Vec<Bound<PyAny>> = attribute(tables, "class_at")?.extract()?;
        let class_at: Vec<Vec<u16>> = class_at
            .iter()
            .enumerate()
            .map(|(at, t)| items(t, &format!("class_at[{at}]"), 2, u16_of))
            .collect::<PyResult<_>>()?;
        if class_at.len() != 4 || class_at.iter().any(|t| t.len() != size) {
            return Err(PyValueError::new_err(
                "class_at needs four per-character tables, one entry per BMP character",
            ));
        }
        let not_definite: HashSet<String> = attribute(tables, "not_definite")?.extract()?;
        let function_words: HashMap<String, u8> = attribute(tables, "function_words")?.extract()?;
        let whole_words: HashSet<String> = attribute(tables, "whole_words")?.extract()?;
        let article: String = attribute(tables, "article")?.extract()?;
        let proclitics = Proclitics {
            class_at,
            rules: table(tables, "rules", 1, u8_of)?,
            bits: RuleBits::from_python(&attribute(tables, "bits")?)?,
            not_definite: not_definite.iter().map(|w| utf16(w)).collect(),
            function_words: function_words.iter().map(|(w, &k)| (utf16(w), k)).collect(),
            whole_words: whole_words.iter().map(|w| utf16(w)).collect(),
            article: utf16(&article),
        };
        if proclitics.rules.len() != 1 << (proclitics.bits.length_shift + 4) {
            return Err(PyValueError::new_err("the rules table does not match its length shift"));
        }
        Ok(proclitics)
    }

    /// Proclitic length of a word, by the rules table, else by evidence: the stem, or the stem with the
    /// article, is a word of the same article (the shorter proclitic first). A split never falls inside
    /// what one original character gave (`origin`, per character of the word).
    pub fn length(&self, clean: &[u16], norm: &[u16], words: &FxHashMap<&[u16], usize>, origin: &[u32]) -> usize {
        let bits = &self.bits;
        let mut shape = clean.len().min(8) << bits.length_shift;
        for (at, table) in self.class_at.iter().enumerate() {
            if let Some(&u) = clean.get(at) {
                shape |= table[u as usize] as usize;
            }
        }
        let rules = self.rules[shape];
        let arabic = clean.iter().all(|&u| (ARABIC_FIRST..=ARABIC_LAST).contains(&u));
        let arabic_search = arabic
            || clean
                .iter()
                .all(|&u| (ARABIC_FIRST..=ARABIC_LAST).contains(&u) || u == ALEF_WASLA);
        let allowed = |k: usize| origin[k] != origin[k - 1];
        let mut k = if arabic {
            (rules & bits.article_mask) as usize
        } else {
            0
        };
        if k > 0 && rules & bits.maybe_not_definite != 0 && self.not_definite.contains(norm) {
            k = 0;
        }
        if k == 0 && rules & bits.maybe_function != 0 {
            k = self.function_words.get(norm).copied().unwrap_or(0) as usize;
        }
        if k == 0 && rules & bits.verb != 0 && arabic_search {
            k = 1;
        }
        if k > 0 && !allowed(k) {
            k = 0;
        }
        let options = (rules >> bits.evidence_shift) & 3;
        if k > 0 || options == 0 || !arabic_search {
            return k;
        }
        let occurs = |k: usize| {
            let stem = &clean[k..];
            allowed(k)
                && (words.contains_key(stem) || words.contains_key([&self.article[..], stem].concat().as_slice()))
        };
        let found = if occurs(1) {
            1
        } else if options > 1 && occurs(2) {
            2
        } else {
            0
        };
        if found > 0 && self.whole_words.contains(norm) {
            0
        } else {
            found
        }
    }
}
