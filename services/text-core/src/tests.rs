//! What takes plain slices: token bounds over output characters, and proclitic lengths over a word's
//! characters, on small tables made here (the real ones come from Python and are checked from there).

use rustc_hash::{FxHashMap, FxHashSet};

use crate::normaliser::Chain;
use crate::proclitics::{Proclitics, RuleBits};

const BMP: usize = 0x10000;
const WORD: u8 = 1;
const PUNCTUATION: u8 = 2;

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// Letters and digits are word characters, `.`, `,` and `،` punctuation, space and line feed neither.
fn chain() -> Chain {
    let mut class = vec![WORD; BMP];
    for c in [' ', '\n'] {
        class[c as usize] = 0;
    }
    for c in ['.', ',', '،'] {
        class[c as usize] = PUNCTUATION;
    }
    Chain {
        class,
        word_class: WORD,
        punctuation_class: PUNCTUATION,
        ..Chain::default()
    }
}

fn words_of<'a>(out: &'a [u16], bounds: &[(usize, usize)]) -> Vec<&'a [u16]> {
    bounds.iter().map(|&(a, b)| &out[a..=b]).collect()
}

#[test]
fn token_bounds_are_word_runs_and_single_punctuation() {
    let out = utf16("في  البيت، و..قال");
    let bounds = chain().token_bounds(&out, &[true]);
    let expected: Vec<Vec<u16>> = ["في", "البيت", "،", "و", ".", ".", "قال"]
        .iter()
        .map(|w| utf16(w))
        .collect();
    assert_eq!(words_of(&out, &bounds), expected);
    assert_eq!(bounds[0], (0, 1));
    assert_eq!(*bounds.last().unwrap(), (out.len() - 3, out.len() - 1));
}

#[test]
fn token_bounds_skip_lines_not_kept() {
    let out = utf16("one two.\nskipped line\n\nthree");
    let bounds = chain().token_bounds(&out, &[true, false, false, true]);
    let expected: Vec<Vec<u16>> = ["one", "two", ".", "three"].iter().map(|w| utf16(w)).collect();
    assert_eq!(words_of(&out, &bounds), expected);
}

#[test]
fn token_bounds_of_nothing() {
    assert!(chain().token_bounds(&[], &[true]).is_empty());
    assert!(chain().token_bounds(&utf16("  \n "), &[true, true]).is_empty());
}

// The bit layout of `khabar.text.tokenise`.
const LENGTH_SHIFT: u32 = 9;
const VERB: u8 = 8;
const EVIDENCE_SHIFT: u32 = 4;
const MAYBE_FUNCTION: u8 = 64;
const MAYBE_NOT_DEFINITE: u8 = 128;

/// Rules that say `rule` of every word shape, with the given word lists.
fn proclitics(rule: u8, not_definite: &[&str], function_words: &[(&str, u8)], whole_words: &[&str]) -> Proclitics {
    Proclitics {
        class_at: vec![vec![0; BMP]; 4],
        rules: vec![rule; 1 << (LENGTH_SHIFT + 4)],
        bits: RuleBits {
            length_shift: LENGTH_SHIFT,
            article_mask: 7,
            verb: VERB,
            evidence_shift: EVIDENCE_SHIFT,
            maybe_function: MAYBE_FUNCTION,
            maybe_not_definite: MAYBE_NOT_DEFINITE,
        },
        not_definite: not_definite.iter().map(|w| utf16(w)).collect::<FxHashSet<_>>(),
        function_words: function_words.iter().map(|&(w, k)| (utf16(w), k)).collect(),
        whole_words: whole_words.iter().map(|w| utf16(w)).collect(),
        article: utf16("ال"),
    }
}

/// Proclitic length of `word` (display and search form alike) among `article_words`, each of its
/// characters from an original character of its own.
fn length(rules: &Proclitics, word: &str, article_words: &[&str]) -> usize {
    let article_words: Vec<Vec<u16>> = article_words.iter().map(|w| utf16(w)).collect();
    let words: FxHashMap<&[u16], usize> = article_words.iter().enumerate().map(|(i, w)| (&w[..], i)).collect();
    let clean = utf16(word);
    let origin: Vec<u32> = (0..clean.len() as u32).collect();
    rules.length(&clean, &clean, &words, &origin)
}

#[test]
fn article_length_from_the_rules_for_arabic_words_only() {
    let rules = proclitics(2, &[], &[], &[]);
    assert_eq!(length(&rules, "الكتاب", &[]), 2);
    assert_eq!(length(&rules, "abcdef", &[]), 0);
    assert_eq!(length(&rules, "الكتاب1", &[]), 0);
}

#[test]
fn shape_is_looked_up_by_length_and_class_of_the_first_characters() {
    let mut rules = proclitics(0, &[], &[], &[]);
    rules.class_at[0]['و' as usize] = 1;
    rules.class_at[1]['ل' as usize] = 1 << 3;
    rules.rules[(5 << LENGTH_SHIFT) | 1 | (1 << 3)] = 2;
    rules.rules[(6 << LENGTH_SHIFT) | 1] = 1;
    assert_eq!(length(&rules, "ولكتب", &[]), 2);
    assert_eq!(length(&rules, "وكتاتب", &[]), 1);
    assert_eq!(length(&rules, "ولكتاب", &[]), 0); // shape length 6 with ل second: no rule
    assert_eq!(length(&rules, "فلكتب", &[]), 0);
}

#[test]
fn not_definite_words_keep_their_article_where_the_rules_say_so() {
    let rules = proclitics(2 | MAYBE_NOT_DEFINITE, &["الله"], &[], &[]);
    assert_eq!(length(&rules, "الله", &[]), 0);
    assert_eq!(length(&rules, "الكتاب", &[]), 2);
    let rules = proclitics(2, &["الله"], &[], &[]);
    assert_eq!(length(&rules, "الله", &[]), 2);
}

#[test]
fn function_words_by_their_list() {
    let rules = proclitics(MAYBE_FUNCTION, &[], &[("وفي", 1), ("ولذلك", 2)], &[]);
    assert_eq!(length(&rules, "وفي", &[]), 1);
    assert_eq!(length(&rules, "ولذلك", &[]), 2);
    assert_eq!(length(&rules, "وقال", &[]), 0);
}

#[test]
fn verb_prefix_splits_one_on_an_arabic_search_form() {
    let rules = proclitics(VERB, &[], &[], &[]);
    assert_eq!(length(&rules, "وأعلن", &[]), 1);
    assert_eq!(length(&rules, "وٱعلن", &[]), 1); // alef wasla: Arabic search form, not an Arabic display form
    assert_eq!(length(&rules, "وxعلن", &[]), 0);
}

#[test]
fn evidence_split_where_the_stem_is_a_word_of_the_article() {
    let one = proclitics(1 << EVIDENCE_SHIFT, &[], &[], &["وزير"]);
    assert_eq!(length(&one, "وكتاب", &["كتاب"]), 1);
    assert_eq!(length(&one, "وكتاب", &["الكتاب"]), 1); // the stem with the article
    assert_eq!(length(&one, "وكتاب", &[]), 0);
    assert_eq!(length(&one, "وزير", &["زير"]), 0); // a whole word
    assert_eq!(length(&one, "وبكتاب", &["كتاب"]), 0); // a two-letter split is not an option here
    let two = proclitics(2 << EVIDENCE_SHIFT, &[], &[], &[]);
    assert_eq!(length(&two, "وبكتاب", &["كتاب"]), 2);
    assert_eq!(length(&two, "ولكتاب", &["لكتاب", "كتاب"]), 1); // the shorter proclitic first
}

#[test]
fn no_split_inside_what_one_original_character_gave() {
    let rules = proclitics(2, &[], &[], &[]);
    let clean = utf16("الكتاب");
    let words = FxHashMap::default();
    // One original character (a ligature, say) gave the first two characters: the article ends after it.
    // One that gave the second and third: the article would end inside it, so there is no split.
    assert_eq!(rules.length(&clean, &clean, &words, &[0, 0, 1, 2, 3, 4]), 2);
    assert_eq!(rules.length(&clean, &clean, &words, &[0, 1, 1, 2, 3, 4]), 0);
    let evidence = proclitics(1 << EVIDENCE_SHIFT, &[], &[], &[]);
    let clean = utf16("وكتاب");
    let article_words = [utf16("كتاب")];
    let words: FxHashMap<&[u16], usize> = [(&article_words[0][..], 0)].into_iter().collect();
    assert_eq!(evidence.length(&clean, &clean, &words, &[0, 1, 2, 3, 4]), 1);
    assert_eq!(evidence.length(&clean, &clean, &words, &[0, 0, 1, 2, 3]), 0);
}
