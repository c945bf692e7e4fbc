//! The normaliser: an article mapped through the chain's per-character tables (`khabar.text.charmap`), its
//! lines, and its tokens (with proclitics, `proclitics`), sentences and language ratio as Python objects.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyType};
use rustc_hash::FxHashMap;

use crate::proclitics::Proclitics;
use crate::py::{bool_of, char_of, code_points, guarded, named_tuple, string_of, substring, table, u16_of};
use crate::py::{u32_of, u8_of};

const LF: u16 = 10;
const SPACE: u16 = 32;
const BMP: usize = 0x10000;

/// The chain as tables. Per BMP character: the chain's output (`length` characters of `flat` from
/// `first`), whether composition may reach through it (`attaches`) or it may compose with the character
/// before it (`risk`), its letter kind and whether it is whitespace. Per output character: its class and
/// its search form.
#[derive(Default)]
pub struct Chain {
    pub length: Vec<u8>,
    pub first: Vec<u32>,
    pub flat: Vec<u16>,
    pub attaches: Vec<bool>,
    pub risk: Vec<bool>,
    pub letter: Vec<u8>,
    pub space: Vec<bool>,
    pub class: Vec<u8>,
    pub search: Vec<u16>,
    pub word_class: u8,
    pub punctuation_class: u8,
}

#[pyclass(frozen, module = "khabar_text_core")]
pub struct Normaliser {
    chain: Chain,
    proclitics: Proclitics,
    chunk_clean: Py<PyAny>,
    attaches_wide: Py<PyAny>,
    letter_wide: Py<PyAny>,
    token_type: Py<PyType>,
    span_type: Py<PyType>,
}

/// An article mapped through the chain: the output characters (original line feeds kept, other whitespace
/// as spaces), and for each the span of original characters it comes from.
#[pyclass(frozen, module = "khabar_text_core")]
pub struct Stream {
    text: Py<PyString>,
    codes: Vec<u32>,
    out: Vec<u16>,
    origin: Vec<u32>,
    origin_end: Vec<u32>,
    lines: usize,
}

/// The Python strings of one distinct word (display form) of an article.
struct Word<'py> {
    clean: Bound<'py, PyAny>,
    norm: Bound<'py, PyAny>,
    /// Its proclitic length, proclitic and stem, once known for an occurrence where each character comes
    /// from an original character of its own (elsewhere a split may not fall inside one that expanded).
    split: Option<Split<'py>>,
}

/// A token's proclitic length, proclitic and stem (search forms).
type Split<'py> = (usize, Bound<'py, PyAny>, Bound<'py, PyAny>);

/// The tokens of a stream, by position: their first and last output positions, which distinct word each is,
/// and where each starts and ends in the original text.
struct Bounds<'a> {
    bounds: Vec<(usize, usize)>,
    /// The distinct words (display forms) of the article, each with its index.
    index: FxHashMap<&'a [u16], usize>,
    word_of: Vec<usize>,
    starts: Vec<usize>,
    ends: Vec<usize>,
}

#[pymethods]
impl Normaliser {
    #[new]
    fn new(tables: &Bound<PyAny>, token_type: Py<PyType>, span_type: Py<PyType>) -> PyResult<Self> {
        let attribute = |name: &str| crate::py::attribute(tables, name);
        let chain = Chain {
            length: table(tables, "length", 1, u8_of)?,
            first: table(tables, "first", 4, u32_of)?,
            flat: table(tables, "flat", 2, u16_of)?,
            attaches: table(tables, "attaches", 1, bool_of)?,
            risk: table(tables, "risk", 1, bool_of)?,
            letter: table(tables, "letter", 1, u8_of)?,
            space: table(tables, "space", 1, bool_of)?,
            class: table(tables, "output_class", 1, u8_of)?,
            search: table(tables, "search", 2, u16_of)?,
            word_class: attribute("word_class")?.extract()?,
            punctuation_class: attribute("punctuation_class")?.extract()?,
        };
        let per_character = [
            chain.length.len(),
            chain.first.len(),
            chain.attaches.len(),
            chain.risk.len(),
            chain.letter.len(),
            chain.space.len(),
            chain.class.len(),
            chain.search.len(),
        ];
        if per_character.iter().any(|&n| n != BMP) {
            return Err(PyValueError::new_err(
                "every per-character table needs one entry per BMP character",
            ));
        }
        Ok(Normaliser {
            chain,
            proclitics: Proclitics::from_python(&attribute("proclitics")?, BMP)?,
            chunk_clean: attribute("chunk_clean")?.unbind(),
            attaches_wide: attribute("attaches_wide")?.unbind(),
            letter_wide: attribute("letter_wide")?.unbind(),
            token_type,
            span_type,
        })
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

impl Normaliser {
    fn lines_of<'py>(&self, py: Python<'py>, text: &Bound<'py, PyString>) -> PyResult<(Stream, Bound<'py, PyList>)> {
        let codes = code_points(text)?;
        let stream = self.stream(py, text, codes)?;
        let out_lines: Vec<&[u16]> = stream.out.split(|&u| u == LF).collect();
        let lines = PyList::empty(py);
        let mut start = 0;
        for (index, line) in stream.codes.split(|&c| c == LF as u32).enumerate() {
            let is_space = |c: &u32| (*c as usize) < BMP && self.chain.space[*c as usize];
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
                lines.append((index, line_start, line_end, string_of(py, &clean)?))?;
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
        let bounds = self.bounds(stream, &kept);
        let tokens = self.token_objects(py, stream, &bounds)?;
        let sentences = self.sentences(py, &bounds.starts, &bounds.ends, &breaks)?;
        let ratio = self.arabic_ratio(py, &stream.codes, &removed)?;
        Ok((tokens, sentences, ratio))
    }

    /// The tokens of the kept lines of a stream, and the distinct words among them.
    fn bounds<'a>(&self, stream: &'a Stream, kept: &[bool]) -> Bounds<'a> {
        let bounds = self.chain.token_bounds(&stream.out, kept);
        let out = &stream.out;
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
        Bounds {
            bounds,
            index,
            word_of,
            starts,
            ends,
        }
    }

    /// The Token objects of the tokens, each distinct word's strings (and split, where it is the word's)
    /// made once.
    fn token_objects<'py>(&self, py: Python<'py>, stream: &Stream, bounds: &Bounds) -> PyResult<Bound<'py, PyList>> {
        let token_type = self.token_type.bind(py);
        let empty = PyString::new(py, "").into_any();
        let out = &stream.out;
        let mut words: Vec<Option<Word>> = (0..bounds.index.len()).map(|_| None).collect();
        let mut proclitics: FxHashMap<Vec<u16>, Bound<PyAny>> = FxHashMap::default();
        let mut norm = Vec::new();
        let mut tokens = Vec::with_capacity(bounds.bounds.len());
        for (i, &(a, b)) in bounds.bounds.iter().enumerate() {
            let clean = &out[a..=b];
            let origin = &stream.origin[a..=b];
            // Where each character comes from an original character of its own, the split is the word's.
            let own_characters = origin.windows(2).all(|pair| pair[1] == pair[0] + 1);
            let slot = &mut words[bounds.word_of[i]];
            let known_split = own_characters && slot.as_ref().is_some_and(|word| word.split.is_some());
            if !known_split {
                // The search form, once, when a new word or a new split needs it.
                norm.clear();
                norm.extend(clean.iter().map(|&u| self.chain.search[u as usize]));
            }
            let word = match slot {
                Some(word) => word,
                slot => slot.insert(new_word(py, clean, &norm)?),
            };
            let (k, proclitic, stem) = match &word.split {
                Some((k, proclitic, stem)) if own_characters => (*k, proclitic.clone(), stem.clone()),
                _ => {
                    let k = self.proclitics.length(clean, &norm, &bounds.index, origin);
                    let split = split_of(py, k, &norm, &word.norm, &empty, &mut proclitics)?;
                    if own_characters {
                        word.split = Some(split.clone());
                    }
                    split
                }
            };
            let (start, end) = (bounds.starts[i], bounds.ends[i]);
            let start_int = start.into_pyobject(py)?.into_any();
            let stem_start = if k == 0 {
                start_int.clone()
            } else {
                (stream.origin[a + k] as usize).into_pyobject(py)?.into_any()
            };
            let items = [
                surface(py, stream, start, end, clean, &word.clean)?,
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
        PyList::new(py, tokens)
    }

    /// The sentences (Span objects) of tokens that start and end at `starts` and `ends`: a sentence breaks
    /// before the first token that starts at or after each of `breaks`.
    fn sentences<'py>(
        &self,
        py: Python<'py>,
        starts: &[usize],
        ends: &[usize],
        breaks: &[usize],
    ) -> PyResult<Bound<'py, PyList>> {
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
        Ok(sentences)
    }

    fn attaches(&self, py: Python<'_>, code: u32) -> PyResult<bool> {
        if (code as usize) < BMP {
            return Ok(self.chain.attaches[code as usize]);
        }
        self.attaches_wide.bind(py).call1((char_of(code),))?.extract()
    }

    fn stream(&self, py: Python<'_>, text: &Bound<PyString>, codes: Vec<u32>) -> PyResult<Stream> {
        let chain = &self.chain;
        let n = codes.len();
        let mut out = Vec::with_capacity(n + n / 8);
        let mut origin = Vec::with_capacity(out.capacity());
        let mut origin_end = Vec::with_capacity(out.capacity());
        let mut chunk_end = 0; // end of the last chunk that went through the chain
        let mut i = 0;
        while i < n {
            let code = codes[i];
            let wide = code as usize >= BMP;
            if !wide && !chain.risk[code as usize] {
                let first = chain.first[code as usize] as usize;
                for &u in &chain.flat[first..first + chain.length[code as usize] as usize] {
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
                self.chain.letter[c as usize]
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

impl Chain {
    /// First and last output position of each token of the kept lines: of each run of word characters,
    /// and of each punctuation character.
    pub fn token_bounds(&self, out: &[u16], kept: &[bool]) -> Vec<(usize, usize)> {
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
}

/// The strings of a new word: its display form `clean`, and its search form `norm` (the same string
/// where they are equal).
fn new_word<'py>(py: Python<'py>, clean: &[u16], norm: &[u16]) -> PyResult<Word<'py>> {
    let clean_string = string_of(py, clean)?;
    let norm_string = if norm == clean {
        clean_string.clone()
    } else {
        string_of(py, norm)?
    };
    Ok(Word {
        clean: clean_string,
        norm: norm_string,
        split: None,
    })
}

/// The split of a word of search form `norm` (the string `norm_string`) after `k` characters: the proclitic
/// (one string per distinct proclitic of the article, in `proclitics`) and the stem.
fn split_of<'py>(
    py: Python<'py>,
    k: usize,
    norm: &[u16],
    norm_string: &Bound<'py, PyAny>,
    empty: &Bound<'py, PyAny>,
    proclitics: &mut FxHashMap<Vec<u16>, Bound<'py, PyAny>>,
) -> PyResult<Split<'py>> {
    if k == 0 {
        return Ok((0, empty.clone(), norm_string.clone()));
    }
    let proclitic = match proclitics.get(&norm[..k]) {
        Some(p) => p.clone(),
        None => {
            let p = string_of(py, &norm[..k])?;
            proclitics.insert(norm[..k].to_vec(), p.clone());
            p
        }
    };
    Ok((k, proclitic, string_of(py, &norm[k..])?))
}

/// What a token of display form `clean` (the string `clean_string`) was written as: `text[start:end]`, the
/// display form's string where the two are the same characters.
fn surface<'py>(
    py: Python<'py>,
    stream: &Stream,
    start: usize,
    end: usize,
    clean: &[u16],
    clean_string: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let written = &stream.codes[start..end];
    if written.len() == clean.len() && written.iter().zip(clean).all(|(&c, &u)| c == u as u32) {
        Ok(clean_string.clone())
    } else {
        substring(stream.text.bind(py), start, end)
    }
}
