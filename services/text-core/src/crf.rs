//! The entity tagger's linear-chain CRF (`khabar.text.ner.model`) once its word types are scored: the cache
//! of each word type's summed weights per offset, a sentence's emission scores gathered from it, the best
//! label path (Viterbi) and the marginal probability of each chosen label (forward-backward). Gathering and
//! decoding in numpy, a padded batch per chunk of sentences, took two thirds of tagging a worker's new
//! articles (py-spy); scoring the new word types (`features`) is the rest.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use rustc_hash::{FxHashMap, FxHashSet};

fn floats(bytes: &[u8], name: &str, count: usize) -> PyResult<Vec<f64>> {
    if bytes.len() != count * 8 {
        return Err(PyValueError::new_err(format!(
            "{name} must hold {count} float64 values"
        )));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect())
}

/// The first index of the largest value, as numpy's argmax.
fn argmax(values: impl Iterator<Item = f64>) -> (usize, f64) {
    values.enumerate().fold(
        (0, f64::NEG_INFINITY),
        |best, (i, v)| if v > best.1 || i == 0 { (i, v) } else { best },
    )
}

/// A tagger's CRF: its offsets, labels and transitions, and the word types scored so far, each a row of
/// (offsets, labels) summed weights as the tagger's scorer makes them. Positions before a sentence hold the
/// word `begin`, those after it `end`. The tagger calls it under its lock.
#[pyclass(module = "khabar_text_core")]
pub struct CrfDecoder {
    offsets: Vec<i64>,
    labels: Vec<Py<PyString>>,
    transitions: Vec<f64>,
    exp_transitions: Vec<f64>,
    begin: String,
    end: String,
    ids: FxHashMap<String, usize>,
    rows: Vec<f64>,
}

impl CrfDecoder {
    fn row_size(&self) -> usize {
        self.offsets.len() * self.labels.len()
    }

    fn insert(&mut self, words: Vec<String>, scores: &[u8]) -> PyResult<()> {
        let size = self.row_size();
        let scores = floats(scores, "scores", words.len() * size)?;
        for (word, row) in words.into_iter().zip(scores.chunks_exact(size)) {
            let next = self.ids.len();
            if *self.ids.entry(word).or_insert(next) == next {
                self.rows.extend_from_slice(row);
            }
        }
        Ok(())
    }

    /// The labels (indices) and confidences of one sentence of word type ids.
    fn decode(&self, ids: &[usize]) -> (Vec<usize>, Vec<f64>) {
        let (n, labels, size) = (ids.len(), self.labels.len(), self.row_size());
        if n == 0 {
            return (Vec::new(), Vec::new());
        }
        let (begin, end) = (self.ids[&self.begin], self.ids[&self.end]);
        // The emission scores, summed over the offsets in their order (as numpy's `E += table[...]` did).
        let mut scores = vec![0f64; n * labels];
        for (t, cell) in scores.chunks_exact_mut(labels).enumerate() {
            for (oi, &o) in self.offsets.iter().enumerate() {
                let at = t as i64 + o;
                let id = if at < 0 {
                    begin
                } else if at as usize >= n {
                    end
                } else {
                    ids[at as usize]
                };
                let row = &self.rows[id * size + oi * labels..id * size + (oi + 1) * labels];
                cell.iter_mut().zip(row).for_each(|(sum, w)| *sum += w);
            }
        }
        // Their exponentials, shifted per position (the marginals are normalised per position anyway).
        let mut potentials = scores.clone();
        for cell in potentials.chunks_exact_mut(labels) {
            let top = cell.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            cell.iter_mut().for_each(|v| *v = (*v - top).exp());
        }
        let at = |t: usize| t * labels;
        let mut path = vec![0usize; n];
        viterbi(&scores, &self.transitions, labels, n, at, &mut path);
        let marginals = marginals(&potentials, &self.exp_transitions, labels, n, at);
        let confidence = (0..n)
            .map(|t| {
                let row = &marginals[t * labels..(t + 1) * labels];
                row[path[t]] / row.iter().sum::<f64>()
            })
            .collect();
        (path, confidence)
    }
}

/// A Python string as a Rust one; a lone surrogate (which a Rust string cannot hold) becomes a U+FFFD per byte
/// of its UTF-8 form (as Python's surrogatepass then replace).
fn word_of(word: &Bound<PyString>) -> String {
    word.to_string_lossy().into_owned()
}

#[pymethods]
impl CrfDecoder {
    #[new]
    fn new(
        offsets: Vec<i64>,
        labels: Vec<Py<PyString>>,
        transitions: &[u8],
        exp_transitions: &[u8],
        begin: String,
        end: String,
    ) -> PyResult<Self> {
        let count = labels.len() * labels.len();
        if offsets.is_empty() || labels.is_empty() {
            return Err(PyValueError::new_err("a CRF needs offsets and labels"));
        }
        Ok(CrfDecoder {
            offsets,
            labels,
            transitions: floats(transitions, "transitions", count)?,
            exp_transitions: floats(exp_transitions, "exp_transitions", count)?,
            begin,
            end,
            ids: FxHashMap::default(),
            rows: Vec::new(),
        })
    }

    /// Word types scored so far.
    fn __len__(&self) -> usize {
        self.ids.len()
    }

    /// Forget every word type scored.
    fn clear(&mut self) {
        self.ids.clear();
        self.rows.clear();
    }

    /// Word types and their scores: float64 (words, offsets, labels); a word already held keeps its row.
    fn add(&mut self, words: Vec<Bound<PyString>>, scores: &[u8]) -> PyResult<()> {
        self.insert(words.iter().map(word_of).collect(), scores)
    }

    /// The (label, confidence) of each word of each sentence. Word types not held yet are scored first, all
    /// at once, by `scores_of(words) -> bytes` (float64 (words, offsets, labels)). The decoding runs without
    /// the GIL.
    fn tag<'py>(
        &mut self,
        py: Python<'py>,
        sentences: Vec<Vec<Bound<'py, PyString>>>,
        scores_of: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let words: Vec<Vec<String>> = sentences.iter().map(|s| s.iter().map(word_of).collect()).collect();
        let mut seen = FxHashSet::default();
        let new: Vec<String> = [&self.begin, &self.end]
            .into_iter()
            .chain(words.iter().flatten())
            .filter(|w| !self.ids.contains_key(*w) && seen.insert(*w))
            .cloned()
            .collect();
        if !new.is_empty() {
            let scores = scores_of.call1((new.clone(),))?;
            let scores = scores
                .cast::<PyBytes>()
                .map_err(|_| PyValueError::new_err("scores_of must return bytes"))?;
            self.insert(new, scores.as_bytes())?;
        }
        let ids: Vec<Vec<usize>> = words.iter().map(|s| s.iter().map(|w| self.ids[w]).collect()).collect();
        let this = &*self;
        let decoded: Vec<(Vec<usize>, Vec<f64>)> = py.detach(|| ids.iter().map(|s| this.decode(s)).collect());
        let out = PyList::empty(py);
        for (path, confidence) in decoded {
            let sentence = PyList::empty(py);
            for (label, p) in path.into_iter().zip(confidence) {
                sentence.append((self.labels[label].clone_ref(py), p))?;
            }
            out.append(sentence)?;
        }
        Ok(out)
    }
}

fn viterbi(
    scores: &[f64],
    transitions: &[f64],
    labels: usize,
    n: usize,
    at: impl Fn(usize) -> usize,
    path: &mut [usize],
) {
    let mut delta: Vec<f64> = scores[at(0)..at(0) + labels].to_vec();
    let mut next = vec![0f64; labels];
    let mut back = vec![0usize; n * labels];
    for t in 1..n {
        for j in 0..labels {
            let (best, score) = argmax((0..labels).map(|i| delta[i] + transitions[i * labels + j]));
            back[t * labels + j] = best;
            next[j] = score + scores[at(t) + j];
        }
        std::mem::swap(&mut delta, &mut next);
    }
    let mut current = argmax(delta.iter().copied()).0;
    path[n - 1] = current;
    for t in (1..n).rev() {
        current = back[t * labels + current];
        path[t - 1] = current;
    }
}

/// Unnormalised marginals (alpha * beta, each normalised per position), (n, labels).
fn marginals(
    potentials: &[f64],
    exp_transitions: &[f64],
    labels: usize,
    n: usize,
    at: impl Fn(usize) -> usize,
) -> Vec<f64> {
    let normalised = |v: &mut [f64]| {
        let total: f64 = v.iter().sum();
        v.iter_mut().for_each(|x| *x /= total);
    };
    let mut alpha = vec![0f64; n * labels];
    alpha[..labels].copy_from_slice(&potentials[at(0)..at(0) + labels]);
    normalised(&mut alpha[..labels]);
    for t in 1..n {
        let (done, rest) = alpha.split_at_mut(t * labels);
        let previous = &done[(t - 1) * labels..];
        for j in 0..labels {
            let through: f64 = (0..labels).map(|i| previous[i] * exp_transitions[i * labels + j]).sum();
            rest[j] = through * potentials[at(t) + j];
        }
        normalised(&mut rest[..labels]);
    }
    let mut beta = vec![1f64; n * labels];
    for t in (0..n - 1).rev() {
        let (head, tail) = beta.split_at_mut((t + 1) * labels);
        let following = &tail[..labels];
        let row = &mut head[t * labels..];
        for i in 0..labels {
            row[i] = (0..labels)
                .map(|j| potentials[at(t + 1) + j] * following[j] * exp_transitions[i * labels + j])
                .sum();
        }
        normalised(row);
    }
    alpha.iter().zip(&beta).map(|(a, b)| a * b).collect()
}
