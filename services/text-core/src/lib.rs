//! The per-character loops of khabar's normalisation (`khabar.text.normalise`), compiled; and the decoding of
//! its entity tagger's CRF (`crf`), the features of its new word types (`features`) and the matching key of
//! words (`keys`).
//!
//! Nothing here decides what the forms are: every table (the camel-tools chain per character, character
//! classes, proclitic rules) and every word list is worked out in Python from camel-tools and the rules
//! written there, and handed to `Normaliser` once (`khabar.text.core_tables`). This code walks an article
//! through those tables, one character at a time (`normaliser`, with the proclitic rules in `proclitics`),
//! and makes the Python objects of the result (`py`: the CPython calls and the panic guard); characters where
//! Unicode composition could join neighbours go back through the real chain (`chunk_clean`). It is checked
//! against the chained camel-tools calls by the differential and property tests of `tests/unit/text`, and
//! what takes plain slices by `cargo test` (`tests`).

mod crf;
mod features;
mod keys;
mod normaliser;
mod proclitics;
mod py;
#[cfg(test)]
mod tests;

use pyo3::prelude::*;

#[pymodule]
fn khabar_text_core(module: &Bound<PyModule>) -> PyResult<()> {
    module.add_class::<normaliser::Normaliser>()?;
    module.add_class::<normaliser::Stream>()?;
    module.add_class::<crf::CrfDecoder>()?;
    module.add_class::<features::WordScorer>()?;
    module.add_class::<keys::WordKeys>()?;
    Ok(())
}
