//! HL7 v2 at the exchange boundary: ER7 messages read ([`er7`]), every coded field (CE, CWE,
//! CNE) found and both of its triplets validated against the loaded terminologies
//! ([`coded`]), and an MLLP listener that answers each message with an ACK — `AA`, or `AE`
//! with one `ERR` segment per finding — and forwards or dead-letters it ([`mllp`]).
//!
//! No maintained Rust HL7 v2 crate fitted (the candidates parse into owned trees without
//! escape handling or batch support), so the parser is small, total (any bytes give a message
//! or a reason, never a panic) and property-tested.
//!
//! May use: `ops` (validation), `bulk` (dead letters), `model`. No actix: the listener is
//! plain threads over `std::net`.

pub mod coded;
pub mod er7;
pub mod mllp;
