//! The entity tagger's per-word-type features and their summed weights (`khabar.text.ner.model`), for the word
//! types its cache has not seen yet: a new day of news brings thousands, and building their feature strings in
//! Python took half of a fresh worker's time per article.
//!
//! This is `FeatureExtractor.type_feats` (`khabar.text.ner.features`) and `SubwordClusters.tokenize`, step for
//! step, over tables handed over by Python (character classes, proclitics, gazetteer index, frequency bins,
//! subword pieces); `tests/unit/ner/test_word_scorer.py` checks features and scores against the Python code.
//! Weights are summed in the order the Python code sums them, so the scores are the same to the last bit.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::keys::KeyTable;

const META: char = '\u{2581}';
/// No row: the feature has no weights at that offset.
const ABSENT: u32 = u32::MAX;

struct Subwords {
    /// The pieces as a trie: `edges` from (node, character) to node, node 0 the root, and the piece each node
    /// spells, if any. Walking it a character at a time replaced hashing every substring twice (a prefix set
    /// and a piece index; those lookups were 38% of the scorer): 6.6 -> 4.0 us a new word type.
    edges: FxHashMap<(u32, char), u32>,
    piece_at: Vec<Option<usize>>,
    scores: Vec<f64>,
    clusters: Vec<i64>,
    is_meta: Vec<bool>,
    unk_score: f64,
}

impl Subwords {
    /// Unigram Viterbi segmentation of META + word (`SubwordClusters.tokenize`), unknown characters dropped.
    fn tokenize(&self, word: &[char]) -> Vec<usize> {
        let s: Vec<char> = std::iter::once(META).chain(word.iter().copied()).collect();
        let n = s.len();
        let mut best = vec![-1e30_f64; n + 1];
        let mut back: Vec<(usize, Option<usize>)> = vec![(0, None); n + 1];
        best[0] = 0.0;
        for i in 0..n {
            if best[i] <= -1e29 {
                continue;
            }
            let mut node = 0u32;
            for e in i + 1..=n {
                match self.edges.get(&(node, s[e - 1])) {
                    Some(&next) => node = next,
                    None => break,
                }
                if let Some(j) = self.piece_at[node as usize] {
                    if best[i] + self.scores[j] > best[e] {
                        best[e] = best[i] + self.scores[j];
                        back[e] = (i, Some(j));
                    }
                }
            }
            if best[i] + self.unk_score > best[i + 1] {
                best[i + 1] = best[i] + self.unk_score;
                back[i + 1] = (i, None);
            }
        }
        let mut out = Vec::new();
        let mut e = n;
        while e > 0 {
            let (i, j) = back[e];
            if let Some(j) = j {
                if !self.is_meta[j] {
                    out.push(j);
                }
            }
            e = i;
        }
        out.reverse();
        out
    }

    fn features(&self, word: &[char], into: &mut Vec<String>) {
        let ids = self.tokenize(word);
        let cluster = |i: usize| self.clusters[ids[i]];
        match ids.len() {
            0 => into.push("np=0".to_string()),
            1 => {
                into.push("np=1".to_string());
                into.push(format!("pw={}", cluster(0)));
            }
            n => {
                into.push(format!("np={}", n.min(4)));
                into.push(format!("pf={}", cluster(0)));
                into.push(format!("pl={}", cluster(n - 1)));
            }
        }
    }
}

#[pyclass(frozen, module = "khabar_text_core")]
pub struct WordScorer {
    at_zero: Vec<bool>,
    /// Each feature's slot: its rows at every offset are `rows[slot * offsets..][..offsets]`. One lookup per
    /// feature instead of one per feature and offset: 8.6 -> 6.8 us a new word type.
    slots: FxHashMap<String, usize>,
    rows: Vec<u32>,
    labels: usize,
    weights: Vec<f64>,
    keys: KeyTable,
    arabic: FxHashSet<char>,
    digit: FxHashSet<char>,
    latin: FxHashSet<char>,
    proclitics: Vec<Vec<char>>,
    min_stem: usize,
    gazetteers: FxHashMap<String, Vec<String>>,
    freq: FxHashMap<String, i64>,
    padding: FxHashMap<String, (Vec<String>, Vec<String>)>,
    subwords: Option<Subwords>,
}

fn chars_of(s: &str) -> Vec<char> {
    s.chars().collect()
}

fn text(chars: &[char]) -> String {
    chars.iter().collect()
}

fn set_of(chars: &str) -> FxHashSet<char> {
    chars.chars().collect()
}

impl WordScorer {
    fn shape(&self, word: &[char]) -> String {
        let has = |set: &FxHashSet<char>| word.iter().any(|c| set.contains(c));
        if has(&self.arabic) {
            return if has(&self.digit) { "ar9" } else { "ar" }.to_string();
        }
        if has(&self.digit) {
            return "9".to_string();
        }
        if has(&self.latin) {
            return "lat".to_string();
        }
        format!("p:{}", text(&word[..word.len().min(3)]))
    }

    /// The proclitics `k` starts with that leave a stem of at least `min_stem`, in the table's order.
    fn proclitics_of<'a>(&'a self, k: &'a [char]) -> impl Iterator<Item = &'a Vec<char>> + 'a {
        self.proclitics
            .iter()
            .filter(move |p| k.starts_with(p) && k.len() - p.len() >= self.min_stem)
    }

    /// Each word's summed weights at each offset, as the bytes of float64 (words, offsets, labels).
    fn summed(&self, words: &[String]) -> Vec<u8> {
        let (labels, offsets) = (self.labels, self.at_zero.len());
        let per_word = offsets * labels;
        let mut out = vec![0.0_f64; words.len() * per_word];
        for (t, word) in words.iter().enumerate() {
            let sums = &mut out[t * per_word..(t + 1) * per_word];
            // Each offset's weights are summed in the order of its features, as the Python code sums them: the
            // visit's order at offset 0, and that of the features used as a neighbour elsewhere.
            self.each_feature(word, &mut |feature, used| {
                let Some(&slot) = self.slots.get(feature) else {
                    return;
                };
                let rows = &self.rows[slot * offsets..(slot + 1) * offsets];
                for (oi, &r) in rows.iter().enumerate() {
                    if r == ABSENT || !(self.at_zero[oi] || used == Used::AlsoAsNeighbour) {
                        continue;
                    }
                    let r = r as usize;
                    let cell = &mut sums[oi * labels..(oi + 1) * labels];
                    for (sum, w) in cell.iter_mut().zip(&self.weights[r * labels..(r + 1) * labels]) {
                        *sum += w;
                    }
                }
            });
        }
        out.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// (features at offset 0, features as a neighbour), as `FeatureExtractor.type_feats`.
    fn type_features(&self, word: &str) -> (Vec<String>, Vec<String>) {
        let (mut core, mut context) = (Vec::new(), Vec::new());
        self.each_feature(word, &mut |feature, used| {
            core.push(feature.to_string());
            if used == Used::AlsoAsNeighbour {
                context.push(feature.to_string());
            }
        });
        (core, context)
    }

    /// Each feature of a word type at offset 0, in `FeatureExtractor.type_feats`' order, with whether it is also
    /// a feature as a neighbour (those are in the same order there). Built in one reused buffer: a string per
    /// feature: 6.8 -> 5.7 us a new word type.
    fn each_feature(&self, word: &str, visit: &mut dyn FnMut(&str, Used)) {
        use std::fmt::Write;
        if let Some((core, context)) = self.padding.get(word) {
            // Checked at construction: a padding word's neighbour features are some of its own, in their order.
            for f in core {
                visit(
                    f,
                    if context.contains(f) {
                        Used::AlsoAsNeighbour
                    } else {
                        Used::AtZero
                    },
                );
            }
            return;
        }
        let mut buf = String::new();
        let mut emit = |buf: &mut String, used: Used| {
            visit(buf, used);
            buf.clear();
        };
        let word: Vec<char> = chars_of(word);
        let k = self.keys.key(&word);
        let key = text(&k);
        let shape = self.shape(&word);
        let _ = write!(buf, "w={key}");
        emit(&mut buf, Used::AlsoAsNeighbour);
        if shape != "ar" {
            let _ = write!(buf, "sh={shape}");
            emit(&mut buf, Used::AlsoAsNeighbour);
            return;
        }
        let (pro, stem): (&[char], &[char]) = match self.proclitics_of(&k).next() {
            Some(p) => (&k[..p.len()], &k[p.len()..]),
            None => (&k[..0], &k[..]),
        };
        let stem_text = text(stem);
        let push = |buf: &mut String, name: &str, chars: &[char]| {
            buf.push_str(name);
            buf.extend(chars);
        };
        let last = |n: usize| &k[k.len().saturating_sub(n)..];
        let first = |n: usize| &stem[..stem.len().min(n)];
        push(&mut buf, "s=", stem);
        emit(&mut buf, Used::AlsoAsNeighbour);
        push(&mut buf, "pro=", pro);
        emit(&mut buf, Used::AlsoAsNeighbour);
        buf.push_str("sh=ar");
        emit(&mut buf, Used::AtZero);
        push(&mut buf, "sp2=", first(2));
        emit(&mut buf, Used::AtZero);
        push(&mut buf, "sp3=", first(3));
        emit(&mut buf, Used::AtZero);
        push(&mut buf, "x1=", last(1));
        emit(&mut buf, Used::AtZero);
        push(&mut buf, "x2=", last(2));
        emit(&mut buf, Used::AlsoAsNeighbour);
        push(&mut buf, "x3=", last(3));
        emit(&mut buf, Used::AtZero);
        let _ = write!(buf, "len={}", stem.len().min(9));
        emit(&mut buf, Used::AtZero);
        // Gazetteers: the key itself ("g"), and its forms without proclitics ("gs") unless the key has that list.
        let no_lists = Vec::new();
        let exact = self.gazetteers.get(&key).unwrap_or(&no_lists);
        let mut listed: Vec<String> = exact.iter().map(|g| format!("g{g}")).collect();
        for p in self.proclitics_of(&k) {
            let rest = &k[p.len()..];
            let mut forms = vec![text(rest)];
            if p.ends_with(&['ل', 'ل']) {
                forms.push(format!("ال{}", text(rest)));
            }
            for form in forms {
                for g in self.gazetteers.get(&form).unwrap_or(&no_lists) {
                    if !exact.contains(g) {
                        listed.push(format!("gs{g}"));
                    }
                }
            }
        }
        listed.sort();
        listed.dedup();
        for g in &listed {
            buf.push_str(g);
            emit(&mut buf, Used::AlsoAsNeighbour);
        }
        if !self.freq.is_empty() {
            let bin = |s: &str| self.freq.get(s).copied().unwrap_or(1);
            let _ = write!(buf, "fq={}", bin(&key));
            emit(&mut buf, Used::AlsoAsNeighbour);
            let _ = write!(buf, "sfq={}", bin(&stem_text));
            emit(&mut buf, Used::AlsoAsNeighbour);
        }
        if let Some(subwords) = &self.subwords {
            let clean: Vec<char> = word.iter().copied().filter(|c| !self.keys.drops(c)).collect();
            let mut pieces = Vec::new();
            subwords.features(&clean, &mut pieces);
            for piece in &pieces {
                buf.push_str(piece);
                emit(&mut buf, Used::AtZero);
            }
        }
    }
}

/// Whether a feature of a word type counts only at the word's own offset, or also at its neighbours'.
#[derive(Clone, Copy, PartialEq)]
enum Used {
    AtZero,
    AlsoAsNeighbour,
}

#[pymethods]
impl WordScorer {
    #[new]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (offsets, rows_at, weights, labels, dropped, unified, arabic, digit, latin, proclitics, min_stem, gazetteers, freq, padding, pieces=None, piece_scores=None, piece_clusters=None, unk_score=0.0))]
    fn new(
        offsets: Vec<i64>,
        rows_at: Vec<FxHashMap<String, usize>>,
        weights: &[u8],
        labels: usize,
        dropped: &str,
        unified: FxHashMap<char, char>,
        arabic: &str,
        digit: &str,
        latin: &str,
        proclitics: Vec<String>,
        min_stem: usize,
        gazetteers: FxHashMap<String, Vec<String>>,
        freq: FxHashMap<String, i64>,
        padding: FxHashMap<String, (Vec<String>, Vec<String>)>,
        pieces: Option<Vec<String>>,
        piece_scores: Option<Vec<f64>>,
        piece_clusters: Option<Vec<i64>>,
        unk_score: f64,
    ) -> PyResult<Self> {
        if offsets.len() != rows_at.len() || labels == 0 || weights.len() % (8 * labels) != 0 {
            return Err(PyValueError::new_err(
                "one row map per offset, and weights of shape (rows, labels) as float64",
            ));
        }
        let weights: Vec<f64> = weights
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        let rows = weights.len() / labels;
        if rows >= ABSENT as usize || rows_at.iter().any(|m| m.values().any(|&r| r >= rows)) {
            return Err(PyValueError::new_err("a feature row beyond the weights"));
        }
        let mut slots: FxHashMap<String, usize> = FxHashMap::default();
        let mut slot_rows: Vec<u32> = Vec::new();
        for (oi, at) in rows_at.iter().enumerate() {
            for (feature, &row) in at {
                let next = slots.len();
                let slot = *slots.entry(feature.clone()).or_insert(next);
                if slot == next {
                    slot_rows.extend(std::iter::repeat(ABSENT).take(rows_at.len()));
                }
                slot_rows[slot * rows_at.len() + oi] = row as u32;
            }
        }
        let in_order = |core: &[String], context: &[String]| {
            let mut rest = core.iter();
            context.iter().all(|f| rest.any(|c| c == f))
        };
        if padding.values().any(|(core, context)| !in_order(core, context)) {
            return Err(PyValueError::new_err(
                "a padding word's neighbour features must be some of its own features, in their order",
            ));
        }
        let subwords = match (pieces, piece_scores, piece_clusters) {
            (Some(pieces), Some(scores), Some(clusters)) => {
                if scores.len() != pieces.len() || clusters.len() != pieces.len() {
                    return Err(PyValueError::new_err("one score and one cluster per subword piece"));
                }
                let mut edges: FxHashMap<(u32, char), u32> = FxHashMap::default();
                let mut piece_at: Vec<Option<usize>> = vec![None];
                for (i, piece) in pieces.iter().enumerate() {
                    let mut node = 0u32;
                    for c in piece.chars() {
                        let fresh = piece_at.len() as u32;
                        node = *edges.entry((node, c)).or_insert(fresh);
                        if node == fresh {
                            piece_at.push(None);
                        }
                    }
                    if node != 0 {
                        piece_at[node as usize] = Some(i); // a repeated piece: the last wins, as in the Python dict
                    }
                }
                let is_meta = pieces.iter().map(|p| p.as_str() == "\u{2581}").collect();
                Some(Subwords {
                    edges,
                    piece_at,
                    scores,
                    clusters,
                    is_meta,
                    unk_score,
                })
            }
            (None, None, None) => None,
            _ => return Err(PyValueError::new_err("subword pieces, scores and clusters go together")),
        };
        Ok(WordScorer {
            at_zero: offsets.iter().map(|&o| o == 0).collect(),
            slots,
            rows: slot_rows,
            labels,
            weights,
            keys: KeyTable::new(dropped, unified),
            arabic: set_of(arabic),
            digit: set_of(digit),
            latin: set_of(latin),
            proclitics: proclitics.iter().map(|p| chars_of(p)).collect(),
            min_stem,
            gazetteers,
            freq,
            padding,
            subwords,
        })
    }

    /// The features of one word: (at offset 0, as a neighbour).
    fn features(&self, word: &str) -> (Vec<String>, Vec<String>) {
        self.type_features(word)
    }

    /// Summed weights of each word at each offset: float64 (words, offsets, labels), as bytes. Worked out
    /// without the GIL: the worker's producer thread runs meanwhile.
    fn scores<'py>(&self, py: Python<'py>, words: Vec<String>) -> Bound<'py, PyBytes> {
        let bytes = py.detach(|| self.summed(&words));
        PyBytes::new(py, &bytes)
    }
}
