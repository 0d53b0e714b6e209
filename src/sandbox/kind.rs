//! Which simulated service a server or a job lives on. The sandbox's own enum, not the
//! client's `ServerKind`: the simulator keeps its records apart from the client's model
//! (it takes only the signer from `cloud/`), so a bug on one side cannot hide behind the
//! same bug on the other.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SimKind {
    Ecs,
    Bms,
}
