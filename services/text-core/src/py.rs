//! The CPython side of the core: reading the tables handed in, making Python strings and tuples the fast way
//! (the unsafe calls, each with why it is sound), and the guard that turns a panic into a `RuntimeError`.

use std::os::raw::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyType};

/// The bytes `bytes` (named `name` in errors) as items of `size` bytes each.
pub fn items<T: Copy>(bytes: &Bound<PyAny>, name: &str, size: usize, from: fn(&[u8]) -> T) -> PyResult<Vec<T>> {
    let bytes = bytes
        .cast::<PyBytes>()
        .map_err(|_| PyValueError::new_err(format!("table {name} is not bytes")))?
        .as_bytes();
    if bytes.len() % size != 0 {
        return Err(PyValueError::new_err(format!(
            "table {name} is not made of {size}-byte items"
        )));
    }
    Ok(bytes.chunks_exact(size).map(from).collect())
}

/// The table `name` of `tables` (an attribute holding bytes), as items of `size` bytes each.
pub fn table<T: Copy>(tables: &Bound<PyAny>, name: &str, size: usize, from: fn(&[u8]) -> T) -> PyResult<Vec<T>> {
    items(&attribute(tables, name)?, name, size, from)
}

/// The attribute `name` of `tables`, with an error that names it when it is missing.
pub fn attribute<'py>(tables: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    tables
        .getattr(name)
        .map_err(|_| PyValueError::new_err(format!("table {name} is missing")))
}

pub fn u8_of(b: &[u8]) -> u8 {
    b[0]
}
pub fn u16_of(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}
pub fn u32_of(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}
pub fn bool_of(b: &[u8]) -> bool {
    b[0] != 0
}

/// The code points of a Python string, lone surrogates included.
pub fn code_points(text: &Bound<PyString>) -> PyResult<Vec<u32>> {
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

/// The code units `PyUnicode_FromKindAndData` reads: 2-byte ones for text within the BMP, 4-byte ones for any
/// code point, lone surrogates included.
pub trait CodeUnit: Copy {
    const KIND: std::os::raw::c_uint;
}
impl CodeUnit for u16 {
    const KIND: std::os::raw::c_uint = ffi::PyUnicode_2BYTE_KIND;
}
impl CodeUnit for u32 {
    const KIND: std::os::raw::c_uint = ffi::PyUnicode_4BYTE_KIND;
}

/// A string of these code units.
pub fn string_of<'py, T: CodeUnit>(py: Python<'py>, units: &[T]) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: the buffer holds `units.len()` units of the width `T::KIND` names.
    owned(py, unsafe {
        ffi::PyUnicode_FromKindAndData(T::KIND as i32, units.as_ptr() as *const c_void, units.len() as isize)
    })
}

/// `text[start:end]`, for indices within it.
pub fn substring<'py>(text: &Bound<'py, PyString>, start: usize, end: usize) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: a new reference, or null with an exception set (indices past the end are clipped).
    owned(text.py(), unsafe {
        ffi::PyUnicode_Substring(text.as_ptr(), start as isize, end as isize)
    })
}

/// An instance of a NamedTuple class, made the way `tuple.__new__(cls, items)` makes it, and left out of
/// the garbage collector's lists, as CPython leaves a tuple of atoms once it has seen one: one of strings
/// and integers cannot be part of a cycle, and collections need not scan thousands of them.
pub fn named_tuple<'py, const N: usize>(
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

/// A panic (a bug here) raised as a RuntimeError, which the worker turns into a dead letter like any other
/// failure of one article; PyO3's own PanicException is a BaseException, which would stop the worker.
pub fn guarded<T>(work: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
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

/// A code point as a char; lone surrogates (which Python strings may hold) become U+FFFD, which only the
/// Python callbacks for characters beyond the BMP ever see.
pub fn char_of(code: u32) -> char {
    char::from_u32(code).unwrap_or('\u{FFFD}')
}
