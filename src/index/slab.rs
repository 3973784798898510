//! [`Slab`]: an immutable array of plain-old-data values that is either owned (an index just
//! built, in tests or during import) or a window of a memory-mapped index file (the server).
//! The structures of this module are written once against slabs, so the same code answers
//! from a fresh build and from a file, and a mapped slab costs no memory until its pages are
//! read. Also [`Csr`] (compressed lists: the items of entry `i` are one contiguous run) and
//! [`Span`] (a string inside a byte heap), whose reads never panic on a damaged file: an
//! out-of-range list is empty and an out-of-range or non-UTF-8 string is absent.

use bytemuck::{Pod, Zeroable};
use std::any::Any;
use std::sync::Arc;

/// An immutable array of `T`, owned or mapped.
pub struct Slab<T: Pod> {
    ptr: *const T,
    len: usize,
    /// Keeps the memory `ptr` points into alive (a boxed slice or a mapping); never read.
    _owner: Option<Arc<dyn Any + Send + Sync>>,
}

// SAFETY: a slab is immutable, `T: Pod` holds no pointers or interior mutability, and the owner
// is itself `Send + Sync`; sharing or moving it across threads only shares read-only bytes.
unsafe impl<T: Pod> Send for Slab<T> {}
// SAFETY: as above.
unsafe impl<T: Pod> Sync for Slab<T> {}

impl<T: Pod> Slab<T> {
    /// An empty slab.
    pub fn empty() -> Self {
        Slab {
            ptr: std::ptr::NonNull::dangling().as_ptr(),
            len: 0,
            _owner: None,
        }
    }

    /// Takes ownership of `v`.
    pub fn owned(v: Vec<T>) -> Self
    where
        T: Send + Sync,
    {
        if v.is_empty() {
            return Self::empty();
        }
        let boxed: Box<[T]> = v.into_boxed_slice();
        let (ptr, len) = (boxed.as_ptr(), boxed.len());
        // The heap buffer does not move when the box moves into the Arc.
        Slab {
            ptr,
            len,
            _owner: Some(Arc::new(boxed)),
        }
    }

    /// A window of `bytes` that `owner` keeps alive, or `None` when the window is not aligned
    /// for `T` or is not a whole number of `T`.
    pub fn mapped(bytes: &[u8], owner: Arc<dyn Any + Send + Sync>) -> Option<Self> {
        let items: &[T] = bytemuck::try_cast_slice(bytes).ok()?;
        if items.is_empty() {
            return Some(Self::empty());
        }
        Some(Slab {
            ptr: items.as_ptr(),
            len: items.len(),
            _owner: Some(owner),
        })
    }
}

impl<T: Pod> std::ops::Deref for Slab<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` and `len` describe an aligned, initialised run of `T` (checked when the
        // slab was made) inside memory `_owner` keeps alive and nobody mutates.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl<T: Pod> AsRef<[T]> for Slab<T> {
    fn as_ref(&self) -> &[T] {
        self
    }
}

impl<T: Pod> Default for Slab<T> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<T: Pod + std::fmt::Debug> std::fmt::Debug for Slab<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Slab[{}]", self.len)
    }
}

/// A string inside a byte heap; `start == u32::MAX` means none.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// No string.
    pub const NONE: Span = Span {
        start: u32::MAX,
        end: u32::MAX,
    };

    /// True when this is [`Span::NONE`].
    pub fn is_none(self) -> bool {
        self.start == u32::MAX
    }

    /// The string in `heap` (none when absent, out of range or not UTF-8).
    pub fn get(self, heap: &[u8]) -> Option<&str> {
        if self.is_none() {
            return None;
        }
        heap.get(self.start as usize..self.end as usize)
            .and_then(|b| std::str::from_utf8(b).ok())
    }
}

/// Appends strings to a byte heap.
#[derive(Default)]
pub struct Heap {
    /// The bytes so far.
    pub bytes: Vec<u8>,
}

impl Heap {
    /// Appends `s` (none stays none).
    pub fn push(&mut self, s: Option<&str>) -> Span {
        let Some(s) = s else { return Span::NONE };
        let start = self.bytes.len();
        self.bytes.extend_from_slice(s.as_bytes());
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX - 1),
            end: u32::try_from(self.bytes.len()).unwrap_or(u32::MAX - 1),
        }
    }
}

/// Lists of `T` per entry: the items of entry `i` are `items[starts[i]..starts[i + 1]]`.
#[derive(Debug, Default)]
pub struct Csr<T: Pod> {
    /// `entries + 1` offsets.
    pub starts: Slab<u32>,
    /// Every list, one after another.
    pub items: Slab<T>,
}

impl<T: Pod> Csr<T> {
    /// Packs per-entry lists.
    pub fn pack<I: IntoIterator<Item = T>>(lists: impl Iterator<Item = I>) -> Self
    where
        T: Send + Sync,
    {
        let mut starts = vec![0u32];
        let mut items = Vec::new();
        for list in lists {
            items.extend(list);
            starts.push(items.len() as u32);
        }
        Csr {
            starts: Slab::owned(starts),
            items: Slab::owned(items),
        }
    }

    /// The list of entry `i` (empty when out of range).
    pub fn at(&self, i: usize) -> &[T] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// How many entries.
    pub fn entries(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_and_mapped_read_alike_and_damaged_spans_are_absent() {
        let owned = Slab::owned(vec![1u32, 2, 3]);
        let words = [1u32, 2, 3];
        let bytes: &[u8] = bytemuck::cast_slice(&words);
        let keep: Arc<dyn Any + Send + Sync> = Arc::new(());
        let mapped = Slab::<u32>::mapped(bytes, keep.clone()).unwrap();
        assert_eq!(&*owned, &*mapped);
        assert!(Slab::<u32>::mapped(&bytes[..5], keep).is_none());
        let mut heap = Heap::default();
        let s = heap.push(Some("abc"));
        assert_eq!(s.get(&heap.bytes), Some("abc"));
        assert_eq!(Span { start: 1, end: 99 }.get(&heap.bytes), None);
        assert_eq!(heap.push(None).get(&heap.bytes), None);
        let csr = Csr::pack([vec![1u32], vec![], vec![2, 3]].into_iter());
        assert_eq!(
            (csr.at(0), csr.at(1), csr.at(2), csr.at(9)),
            (&[1][..], &[][..], &[2, 3][..], &[][..])
        );
    }
}
