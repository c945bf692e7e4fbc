//! The per-character loops of khabar's normalisation (`khabar.text.normalise`), compiled; and the decoding of
//! its entity tagger's CRF (`crf`).
//!
//! Nothing here decides what the forms are: every table (the camel-tools chain per character, character
//! classes, proclitic rules) and every word list is worked out in Python from camel-tools and the rules
//! written there, and handed to `Normaliser` once. This code walks an article through those tables, one
//! character at a time, and makes the Python objects of the result; characters where Unicode composition
//! could join neighbours go back through the real chain (`chunk_clean`). It is checked against the chained
//! camel-tools calls by the differential and property tests of `tests/unit/text`.

mod crf;

use std::collections::HashMap;
use std::os::raw::c_void;

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyType};
use rustc_hash::{FxHashMap, FxHashSet};

const LF: u16 = 10;
const SPACE: u16 = 32;
const BMP: usize = 0x10000;
// The letters of [ء-ي], and ٱ, which the search form makes an alef.
const ARABIC_FIRST: u16 = 0x621;
const ARABIC_LAST: u16 = 0x64A;
const ALEF_WASLA: u16 = 0x671;

/// Rule bits of the proclitic table (`khabar.text.tokenise`), given by the Python side.
struct RuleBits {
    length_shift: u32,
    article_mask: u8,
    verb: u8,
    evidence_shift: u32,
    maybe_function: u8,
    maybe_not_definite: u8,
}

#[pyclass(frozen, module = "khabar_text_core")]
struct Normaliser {
    // Per BMP character: the chain's output, `length` characters of `flat` from `first`.
    length: Vec<u8>,
    first: Vec<u32>,
    flat: Vec<u16>,
    attaches: Vec<bool>,
    risk: Vec<bool>,
    letter: Vec<u8>,
    space: Vec<bool>,
    // Per output character.
    class: Vec<u8>,
    search: Vec<u16>,
    word_class: u8,
    punctuation_class: u8,
    // Proclitics: the class of each of a word's first four characters, and the rules of a word's shape.
    class_at: Vec<Vec<u16>>,
    rules: Vec<u8>,
    bits: RuleBits,
    not_definite: FxHashSet<Vec<u16>>,
    function_words: FxHashMap<Vec<u16>, u8>,
    whole_words: FxHashSet<Vec<u16>>,
    article: Vec<u16>,
    chunk_clean: Py<PyAny>,
    attaches_wide: Py<PyAny>,
    letter_wide: Py<PyAny>,
    token_type: Py<PyType>,
    span_type: Py<PyType>,
}

/// An article mapped through the chain: the output characters (original line feeds kept, other whitespace
/// as spaces), and for each the span of original characters it comes from.
#[pyclass(frozen, module = "khabar_text_core")]
struct Stream {
    text: Py<PyString>,
    codes: Vec<u32>,
    out: Vec<u16>,
    origin: Vec<u32>,
    origin_end: Vec<u32>,
    lines: usize,
}

fn table<T: Copy>(tables: &Bound<PyDict>, name: &str, size: usize, from: fn(&[u8]) -> T) -> PyResult<Vec<T>> {
    let item = tables
        .get_item(name)?
        .ok_or_else(|| PyValueError::new_err(format!("table {name} is missing")))?;
    let bytes = item.cast::<PyBytes>()?.as_bytes();
    if bytes.len() % size != 0 {
        return Err(PyValueError::new_err(format!(
            "table {name} is not made of {size}-byte items"
        )));
    }
    Ok(bytes.chunks_exact(size).map(from).collect())
}

fn u8_of(b: &[u8]) -> u8 {
    b[0]
}
fn u16_of(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}
fn u32_of(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}
fn bool_of(b: &[u8]) -> bool {
    b[0] != 0
}

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// The code points of a Python string, lone surrogates included.
fn code_points(text: &Bound<PyString>) -> PyResult<Vec<u32>> {
    // SAFETY: CPython's compact strings, read while the string is borrowed.
    Ok(match unsafe { text.data()? } {
        pyo3::types::PyStringData::Ucs1(s) => s.iter().map(|&c| c as u32).collect(),
        pyo3::types::PyStringData::Ucs2(s) => s.iter().map(|&c| c as u32).collect(),
        pyo3::types::PyStringData::Ucs4(s) => s.to_vec(),
    })
}

fn owned(py: Python<'_>, ptr: *mut ffi::PyObject) -> PyResult<Bound<'_, PyAny>> {
    // SAFETY: `ptr` is a new reference, or null with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(py, ptr) }
}

fn string_of_bmp<'py>(py: Python<'py>, chars: &[u16]) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: the buffer holds `chars.len()` 2-byte units.
    owned(py, unsafe {
        ffi::PyUnicode_FromKindAndData(
            ffi::PyUnicode_2BYTE_KIND as i32,
            chars.as_ptr() as *const c_void,
            chars.len() as isize,
        )
    })
}

/// `text[start:end]`, for indices within it.
fn substring<'py>(text: &Bound<'py, PyString>, start: usize, end: usize) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: a new reference, or null with an exception set (indices past the end are clipped).
    owned(text.py(), unsafe {
        ffi::PyUnicode_Substring(text.as_ptr(), start as isize, end as isize)
    })
}

/// An instance of a NamedTuple class, made the way `tuple.__new__(cls, items)` makes it, and left out of
/// the garbage collector's lists, as CPython leaves a tuple of atoms once it has seen one: one of strings
/// and integers cannot be part of a cycle, and collections need not scan thousands of them.
fn named_tuple<'py, const N: usize>(
    py: Python<'py>,
    cls: &Bound<'py, PyType>,
    items: [Bound<'py, PyAny>; N],
) -> PyResult<Bound<'py, PyAny>> {
    let cls_ptr = cls.as_type_ptr();
    // SAFETY: a NamedTuple class is a tuple subclass with no fields of its own; its tp_alloc gives a
    // tuple of `items.len()` empty slots, each filled once with a reference it takes over.
    unsafe {
        let alloc = (*cls_ptr).tp_alloc.unwrap_or(ffi::PyType_GenericAlloc);
        let tuple = owned(py, alloc(cls_ptr, N as isize))?;
        for (i, item) in items.into_iter().enumerate() {
            ffi::PyTuple_SET_ITEM(tuple.as_ptr(), i as isize, item.into_ptr());
        }
        ffi::PyObject_GC_UnTrack(tuple.as_ptr() as *mut c_void);
        Ok(tuple)
    }
}

/// The Python strings of one distinct word (display form) of an article.
struct Word<'py> {
    clean: Bound<'py, PyAny>,
    norm: Bound<'py, PyAny>,
    /// Its proclitic length, proclitic and stem, once known for an occurrence where each character comes
    /// from an original character of its own (elsewhere a split may not fall inside one that expanded).
    split: Option<(usize, Bound<'py, PyAny>, Bound<'py, PyAny>)>,
}

#[pymethods]
impl Normaliser {
    #[new]
    #[pyo3(signature = (tables, rule_bits, not_definite, function_words, whole_words, article, chunk_clean, attaches_wide, letter_wide, token_type, span_type, word_class, punctuation_class))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        tables: &Bound<PyDict>,
        rule_bits: HashMap<String, u32>,
        not_definite: Vec<String>,
        function_words: HashMap<String, u8>,
        whole_words: Vec<String>,
        article: String,
        chunk_clean: Py<PyAny>,
        attaches_wide: Py<PyAny>,
        letter_wide: Py<PyAny>,
        token_type: Py<PyType>,
        span_type: Py<PyType>,
        word_class: u8,
        punctuation_class: u8,
    ) -> PyResult<Self> {
        let bit = |name: &str| {
            rule_bits
                .get(name)
                .copied()
                .ok_or_else(|| PyValueError::new_err(format!("rule bit {name} is missing")))
        };
        let bits = RuleBits {
            length_shift: bit("length_shift")?,
            article_mask: bit("article_mask")? as u8,
            verb: bit("verb")? as u8,
            evidence_shift: bit("evidence_shift")?,
            maybe_function: bit("maybe_function")? as u8,
            maybe_not_definite: bit("maybe_not_definite")? as u8,
        };
        let normaliser = Normaliser {
            length: table(tables, "length", 1, u8_of)?,
            first: table(tables, "first", 4, u32_of)?,
            flat: table(tables, "flat", 2, u16_of)?,
            attaches: table(tables, "attaches", 1, bool_of)?,
            risk: table(tables, "risk", 1, bool_of)?,
            letter: table(tables, "letter", 1, u8_of)?,
            space: table(tables, "space", 1, bool_of)?,
            class: table(tables, "class", 1, u8_of)?,
            search: table(tables, "search", 2, u16_of)?,
            word_class,
            punctuation_class,
            class_at: (0..4)
                .map(|at| table(tables, &format!("class_at_{at}"), 2, u16_of))
                .collect::<PyResult<_>>()?,
            rules: table(tables, "rules", 1, u8_of)?,
            bits,
            not_definite: not_definite.iter().map(|w| utf16(w)).collect(),
            function_words: function_words.iter().map(|(w, &k)| (utf16(w), k)).collect(),
            whole_words: whole_words.iter().map(|w| utf16(w)).collect(),
            article: utf16(&article),
            chunk_clean,
            attaches_wide,
            letter_wide,
            token_type,
            span_type,
        };
        let per_character = [
            normaliser.length.len(),
            normaliser.first.len(),
            normaliser.attaches.len(),
            normaliser.risk.len(),
            normaliser.letter.len(),
            normaliser.space.len(),
            normaliser.class.len(),
            normaliser.search.len(),
        ];
        if per_character.iter().any(|&n| n != BMP) || normaliser.class_at.iter().any(|t| t.len() != BMP) {
            return Err(PyValueError::new_err(
                "every per-character table needs one entry per BMP character",
            ));
        }
        if normaliser.rules.len() != 1 << (normaliser.bits.length_shift + 4) {
            return Err(PyValueError::new_err("the rules table does not match its length shift"));
        }
        Ok(normaliser)
    }

    /// Map `text` through the chain. Returns the stream, and each non-blank line of `text` (split at line
    /// feeds, trimmed of whitespace as `str.strip` does) as (index among the lines, start, end, display
    /// form with whitespace collapsed).
    fn lines<'py>(&self, py: Python<'py>, text: &Bound<'py, PyString>) -> PyResult<(Stream, Bound<'py, PyList>)> {
        guarded(|| self.lines_of(py, text))
    }

    /// Tokens of the kept lines of a stream (Token objects), its sentences (Span objects), and the share of
    /// Arabic letters among the letters outside the `removed` spans.
    ///
    /// Sentences break before the first token that starts at or after each of `breaks` (sentence ends and
    /// paragraph starts, in any order).
    fn tokens<'py>(
        &self,
        py: Python<'py>,
        stream: &Stream,
        kept_lines: Vec<usize>,
        breaks: Vec<usize>,
        removed: Vec<(usize, usize)>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>, f64)> {
        guarded(|| self.tokens_of(py, stream, kept_lines, breaks, removed))
    }
}

/// A panic (a bug here) raised as a RuntimeError, which the worker turns into a dead letter like any other
/// failure of one article; PyO3's own PanicException is a BaseException, which would stop the worker.
fn guarded<T>(work: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        Err(PyRuntimeError::new_err(format!(
            "khabar_text_core failed (a bug): {message}"
        )))
    })
}

impl Normaliser {
    fn lines_of<'py>(&self, py: Python<'py>, text: &Bound<'py, PyString>) -> PyResult<(Stream, Bound<'py, PyList>)> {
        let codes = code_points(text)?;
        let stream = self.stream(py, text, codes)?;
        let out_lines: Vec<&[u16]> = stream.out.split(|&u| u == LF).collect();
        let lines = PyList::empty(py);
        let mut start = 0;
        for (index, line) in stream.codes.split(|&c| c == LF as u32).enumerate() {
            let is_space = |c: &u32| (*c as usize) < BMP && self.space[*c as usize];
            let leading = line.iter().take_while(|c| is_space(c)).count();
            if leading < line.len() {
                let trailing = line.iter().rev().take_while(|c| is_space(c)).count();
                let mut clean: Vec<u16> = Vec::with_capacity(out_lines[index].len());
                for word in out_lines[index].split(|&u| u == SPACE).filter(|w| !w.is_empty()) {
                    if !clean.is_empty() {
                        clean.push(SPACE);
                    }
                    clean.extend_from_slice(word);
                }
                let line_start = start + leading;
                let line_end = start + line.len() - trailing;
                lines.append((index, line_start, line_end, string_of_bmp(py, &clean)?))?;
            }
            start += line.len() + 1;
        }
        Ok((stream, lines))
    }

    fn tokens_of<'py>(
        &self,
        py: Python<'py>,
        stream: &Stream,
        kept_lines: Vec<usize>,
        breaks: Vec<usize>,
        removed: Vec<(usize, usize)>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>, f64)> {
        let mut kept = vec![false; stream.lines];
        for line in kept_lines {
            *kept
                .get_mut(line)
                .ok_or_else(|| PyValueError::new_err("no such line"))? = true;
        }
        let bounds = self.token_bounds(&stream.out, &kept);
        let out = &stream.out;
        // The distinct words (display forms) of the article, and which one each token is.
        let mut index: FxHashMap<&[u16], usize> = FxHashMap::with_capacity_and_hasher(bounds.len(), Default::default());
        let word_of: Vec<usize> = bounds
            .iter()
            .map(|&(a, b)| {
                let next = index.len();
                *index.entry(&out[a..=b]).or_insert(next)
            })
            .collect();
        let starts: Vec<usize> = bounds.iter().map(|&(a, _)| stream.origin[a] as usize).collect();
        let ends: Vec<usize> = bounds.iter().map(|&(_, b)| stream.origin_end[b] as usize).collect();

        let token_type = self.token_type.bind(py);
        let empty = PyString::new(py, "").into_any();
        let mut words: Vec<Option<Word>> = (0..index.len()).map(|_| None).collect();
        let mut proclitics: FxHashMap<Vec<u16>, Bound<PyAny>> = FxHashMap::default();
        let mut norm = Vec::new();
        let mut tokens = Vec::with_capacity(bounds.len());
        for (i, &(a, b)) in bounds.iter().enumerate() {
            let clean = &out[a..=b];
            let origin = &stream.origin[a..=b];
            // Where each character comes from an original character of its own, the split is the word's.
            let own_characters = origin.windows(2).all(|pair| pair[1] == pair[0] + 1);
            let slot = &mut words[word_of[i]];
            let known_split = own_characters && slot.as_ref().is_some_and(|word| word.split.is_some());
            if !known_split {
                // The search form, once, when a new word or a new split needs it.
                norm.clear();
                norm.extend(clean.iter().map(|&u| self.search[u as usize]));
            }
            let word = match slot {
                Some(word) => word,
                slot => {
                    let clean_string = string_of_bmp(py, clean)?;
                    let norm_string = if norm == clean {
                        clean_string.clone()
                    } else {
                        string_of_bmp(py, &norm)?
                    };
                    slot.insert(Word {
                        clean: clean_string,
                        norm: norm_string,
                        split: None,
                    })
                }
            };
            let (k, proclitic, stem) = match &word.split {
                Some((k, proclitic, stem)) if own_characters => (*k, proclitic.clone(), stem.clone()),
                _ => {
                    let k = self.proclitic_length(clean, &norm, &index, origin);
                    let (proclitic, stem) = if k == 0 {
                        (empty.clone(), word.norm.clone())
                    } else {
                        let proclitic = match proclitics.get(&norm[..k]) {
                            Some(p) => p.clone(),
                            None => {
                                let p = string_of_bmp(py, &norm[..k])?;
                                proclitics.insert(norm[..k].to_vec(), p.clone());
                                p
                            }
                        };
                        (proclitic, string_of_bmp(py, &norm[k..])?)
                    };
                    if own_characters {
                        word.split = Some((k, proclitic.clone(), stem.clone()));
                    }
                    (k, proclitic, stem)
                }
            };
            let (start, end) = (starts[i], ends[i]);
            let written = &stream.codes[start..end];
            let surface = if written.len() == clean.len() && written.iter().zip(clean).all(|(&c, &u)| c == u as u32) {
                word.clean.clone()
            } else {
                substring(stream.text.bind(py), start, end)?
            };
            let start_int = start.into_pyobject(py)?.into_any();
            let stem_start = if k == 0 {
                start_int.clone()
            } else {
                (stream.origin[a + k] as usize).into_pyobject(py)?.into_any()
            };
            let items = [
                surface,
                word.norm.clone(),
                proclitic,
                stem,
                word.clean.clone(),
                start_int,
                end.into_pyobject(py)?.into_any(),
                stem_start,
            ];
            tokens.push(named_tuple(py, token_type, items)?);
        }
        let tokens = PyList::new(py, tokens)?;

        let sentences = PyList::empty(py);
        if !starts.is_empty() {
            let mut cuts: Vec<usize> = breaks.iter().map(|&m| starts.partition_point(|&s| s < m)).collect();
            cuts.push(starts.len());
            cuts.sort_unstable();
            cuts.dedup();
            let span_type = self.span_type.bind(py);
            for pair in cuts.windows(2) {
                let span = [
                    starts[pair[0]].into_pyobject(py)?.into_any(),
                    ends[pair[1] - 1].into_pyobject(py)?.into_any(),
                ];
                sentences.append(named_tuple(py, span_type, span)?)?;
            }
        }
        let ratio = self.arabic_ratio(py, &stream.codes, &removed)?;
        Ok((tokens, sentences, ratio))
    }

    fn attaches(&self, py: Python<'_>, code: u32) -> PyResult<bool> {
        if (code as usize) < BMP {
            return Ok(self.attaches[code as usize]);
        }
        self.attaches_wide.bind(py).call1((char_of(code),))?.extract()
    }

    fn stream(&self, py: Python<'_>, text: &Bound<PyString>, codes: Vec<u32>) -> PyResult<Stream> {
        let n = codes.len();
        let mut out = Vec::with_capacity(n + n / 8);
        let mut origin = Vec::with_capacity(out.capacity());
        let mut origin_end = Vec::with_capacity(out.capacity());
        let mut chunk_end = 0; // end of the last chunk that went through the chain
        let mut i = 0;
        while i < n {
            let code = codes[i];
            let wide = code as usize >= BMP;
            if !wide && !self.risk[code as usize] {
                let first = self.first[code as usize] as usize;
                for &u in &self.flat[first..first + self.length[code as usize] as usize] {
                    out.push(u);
                    origin.push(i as u32);
                    origin_end.push(i as u32 + 1);
                }
                i += 1;
                continue;
            }
            // A character that may compose with the one before it (or beyond the BMP): the chunk of a
            // starter and the marks around it goes through the real chain. Characters already mapped since
            // the last chunk's end that belong to the chunk are taken back.
            let mut start = i;
            while start > chunk_end && self.attaches(py, codes[start])? {
                start -= 1;
            }
            if codes[start] == LF as u32 {
                start += 1; // a line feed composes with nothing and stays one
            }
            let mut end = i + 1;
            while end < n && self.attaches(py, codes[end])? {
                end += 1;
            }
            let keep = origin.partition_point(|&o| (o as usize) < start);
            out.truncate(keep);
            origin.truncate(keep);
            origin_end.truncate(keep);
            let chunk = substring(text, start, end)?;
            let clean = self.chunk_clean.bind(py).call1((chunk,))?;
            let clean = clean.cast::<PyString>()?;
            for u in code_points(clean)?
                .into_iter()
                .flat_map(|c| char_of(c).encode_utf16(&mut [0; 2]).to_vec())
            {
                out.push(u);
                origin.push(start as u32);
                origin_end.push(end as u32);
            }
            chunk_end = end;
            i = end;
        }
        Ok(Stream {
            text: text.clone().unbind(),
            lines: codes.iter().filter(|&&c| c == LF as u32).count() + 1,
            codes,
            out,
            origin,
            origin_end,
        })
    }

    /// First and last output position of each token of the kept lines: of each run of word characters,
    /// and of each punctuation character.
    fn token_bounds(&self, out: &[u16], kept: &[bool]) -> Vec<(usize, usize)> {
        let mut bounds = Vec::with_capacity(out.len() / 4);
        let mut line = 0;
        let mut j = 0;
        while j < out.len() {
            let u = out[j];
            if u == LF {
                line += 1;
                j += 1;
                continue;
            }
            let class = self.class[u as usize];
            if class == self.word_class {
                let start = j;
                while j < out.len() && self.class[out[j] as usize] == self.word_class {
                    j += 1;
                }
                if kept[line] {
                    bounds.push((start, j - 1));
                }
                continue;
            }
            if class == self.punctuation_class && kept[line] {
                bounds.push((j, j));
            }
            j += 1;
        }
        bounds
    }

    /// Proclitic length of a word, by the rules table, else by evidence: the stem, or the stem with the
    /// article, is a word of the same article (the shorter proclitic first). A split never falls inside
    /// what one original character gave (`origin`, per character of the word).
    fn proclitic_length(&self, clean: &[u16], norm: &[u16], words: &FxHashMap<&[u16], usize>, origin: &[u32]) -> usize {
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

    fn arabic_ratio(&self, py: Python<'_>, codes: &[u32], removed: &[(usize, usize)]) -> PyResult<f64> {
        let mut outside = vec![true; codes.len()];
        for &(start, end) in removed {
            outside
                .get_mut(start..end)
                .ok_or_else(|| PyValueError::new_err("removed span out of range"))?
                .fill(false);
        }
        // Kind 1: a letter; 3: an Arabic letter (`charmap.letter_kind`).
        let mut kinds = [0u64; 4];
        for (&c, _) in codes.iter().zip(&outside).filter(|(_, &keep)| keep) {
            let kind: u8 = if (c as usize) < BMP {
                self.letter[c as usize]
            } else {
                self.letter_wide.bind(py).call1((char_of(c),))?.extract()?
            };
            kinds[kind as usize & 3] += 1;
        }
        let (other, arabic) = (kinds[1], kinds[3]);
        Ok(if other + arabic > 0 {
            arabic as f64 / (other + arabic) as f64
        } else {
            0.0
        })
    }
}

/// A code point as a char; lone surrogates (which Python strings may hold) become U+FFFD, which only the
/// Python callbacks for characters beyond the BMP ever see.
fn char_of(code: u32) -> char {
    char::from_u32(code).unwrap_or('\u{FFFD}')
}

#[pymodule]
fn khabar_text_core(module: &Bound<PyModule>) -> PyResult<()> {
    module.add_class::<Normaliser>()?;
    module.add_class::<Stream>()?;
    module.add_function(wrap_pyfunction!(crf::crf_decode, module)?)?;
    Ok(())
}
