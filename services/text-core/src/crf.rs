//! Decoding of the entity tagger's linear-chain CRF (`khabar.text.ner.model`): the best label path
//! (Viterbi) and the marginal probability of each chosen label (forward-backward), one sentence at a time.
//! The scores come from numpy; this replaces its per-position loops over a padded batch.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

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

/// Labels and confidences of a padded batch: `scores` and `potentials` are (sentences, width, labels) arrays
/// of float64, the emission scores and their exponentials (shifted per position, which marginals do not
/// see); `transitions` and `exp_transitions` are (labels, labels). Returns the label path and the marginal
/// of each chosen label as (sentences, width) arrays of int64 and float64, zero past each sentence's end.
#[pyfunction]
pub fn crf_decode<'py>(
    py: Python<'py>,
    scores: &[u8],
    potentials: &[u8],
    lengths: Vec<usize>,
    width: usize,
    transitions: &[u8],
    exp_transitions: &[u8],
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let labels = ((transitions.len() / 8) as f64).sqrt() as usize;
    let cells = lengths.len() * width * labels;
    let scores = floats(scores, "scores", cells)?;
    let potentials = floats(potentials, "potentials", cells)?;
    let transitions = floats(transitions, "transitions", labels * labels)?;
    let exp_transitions = floats(exp_transitions, "exp_transitions", labels * labels)?;
    if lengths.iter().any(|&n| n > width) || labels == 0 {
        return Err(PyValueError::new_err("a sentence is longer than the batch's width"));
    }
    let mut path = vec![0i64; lengths.len() * width];
    let mut confidence = vec![0f64; lengths.len() * width];
    for (b, &n) in lengths.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let at = |t: usize| (b * width + t) * labels;
        let sentence_path = &mut path[b * width..b * width + n];
        viterbi(&scores, &transitions, labels, n, at, sentence_path);
        let marginals = marginals(&potentials, &exp_transitions, labels, n, at);
        for t in 0..n {
            let row = &marginals[t * labels..(t + 1) * labels];
            confidence[b * width + t] = row[sentence_path[t] as usize] / row.iter().sum::<f64>();
        }
    }
    let path: Vec<u8> = path.iter().flat_map(|v| v.to_le_bytes()).collect();
    let confidence: Vec<u8> = confidence.iter().flat_map(|v| v.to_le_bytes()).collect();
    Ok((PyBytes::new(py, &path), PyBytes::new(py, &confidence)))
}

fn viterbi(
    scores: &[f64],
    transitions: &[f64],
    labels: usize,
    n: usize,
    at: impl Fn(usize) -> usize,
    path: &mut [i64],
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
    path[n - 1] = current as i64;
    for t in (1..n).rev() {
        current = back[t * labels + current];
        path[t - 1] = current as i64;
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
