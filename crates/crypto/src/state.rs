//! Counter states of a relationship channel (`CryptoPublicState`, `CryptoPrivateState*`, §1.2).

use crate::cipher::{Cipher, decrypt_with_counter, encrypt_with_counter};
use crate::error::{CryptoError, Result};
use crate::json::{CryptoJson, Obj, b64v, inherent_json, object};
use crate::secret_key::{ENCRYPTION_ALG_XCHACHA20, SecretKey};
use serde_json::Value;

/// `CryptoStateType` (`typ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateType {
    /// Receiving side.
    Receive = 1,
    /// Transmitting side.
    Transmit = 2,
}

impl StateType {
    fn parse(o: &Obj<'_>) -> Result<Self> {
        match o.u64("typ")? {
            1 => Ok(Self::Receive),
            2 => Ok(Self::Transmit),
            other => Err(CryptoError::Format {
                what: o.what,
                why: format!("unknown state type {other}"),
            }),
        }
    }
}

/// The public part of a state: its base nonce (`CryptoPublicState`; `@type` first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicState {
    /// The 24-byte base nonce.
    pub nonce: [u8; 24],
    /// Which side the state belongs to.
    pub state_type: StateType,
    /// Optional id.
    pub id: Option<String>,
}

impl CryptoJson for PublicState {
    const TYPE_NAME: &'static str = "CryptoPublicState";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = Vec::with_capacity(5);
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        pairs.push(("nnc", b64v(&self.nonce)));
        pairs.push(("alg", Value::from(ENCRYPTION_ALG_XCHACHA20)));
        pairs.push(("typ", Value::from(self.state_type as u64)));
        if let Some(id) = &self.id {
            pairs.push(("id", id.clone().into()));
        }
        object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        o.alg("encryption", ENCRYPTION_ALG_XCHACHA20)?;
        Ok(Self {
            nonce: o.bytes("nnc")?,
            state_type: StateType::parse(&o)?,
            id: o.opt_str("id")?,
        })
    }
}

inherent_json!(PublicState);

/// Shared fields and JSON of the two private states.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PrivateState {
    nonce: [u8; 24],
    counter: u32,
    key: SecretKey,
    id: Option<String>,
}

impl PrivateState {
    /// `{"nnc","cnt","key","alg","typ","id"?,"@type"}` — always verbose, also when nested.
    fn to_value(&self, typ: StateType, type_name: &'static str) -> Value {
        let mut pairs = vec![
            ("nnc", b64v(&self.nonce)),
            ("cnt", Value::from(self.counter)),
            ("key", b64v(self.key.as_bytes())),
            ("alg", Value::from(ENCRYPTION_ALG_XCHACHA20)),
            ("typ", Value::from(typ as u64)),
        ];
        if let Some(id) = &self.id {
            pairs.push(("id", id.clone().into()));
        }
        pairs.push(("@type", type_name.into()));
        object(pairs)
    }

    fn from_value(value: &Value, typ: StateType, type_name: &'static str) -> Result<Self> {
        let o = Obj::new(value, type_name)?;
        o.alg("encryption", ENCRYPTION_ALG_XCHACHA20)?;
        if StateType::parse(&o)? != typ {
            return Err(CryptoError::Format {
                what: type_name,
                why: "state type does not match the class".into(),
            });
        }
        let counter = u32::try_from(o.u64("cnt")?).map_err(|_| CryptoError::Format {
            what: type_name,
            why: "`cnt` exceeds 2^32-1".into(),
        })?;
        Ok(Self {
            nonce: o.bytes("nnc")?,
            counter,
            key: SecretKey::from_bytes(o.bytes("key")?),
            id: o.opt_str("id")?,
        })
    }
}

/// The sending state: key, base nonce and the next counter (`CryptoPrivateStateTransmit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateStateTransmit {
    /// Base nonce.
    pub nonce: [u8; 24],
    /// Counter for the next encryption.
    pub counter: u32,
    /// Channel key.
    pub key: SecretKey,
    /// Optional id.
    pub id: Option<String>,
}

impl PrivateStateTransmit {
    /// A state at counter 0.
    pub fn new(key: SecretKey, nonce: [u8; 24]) -> Self {
        Self {
            nonce,
            counter: 0,
            key,
            id: None,
        }
    }

    /// The public part (`typ` Transmit).
    pub fn public_state(&self) -> PublicState {
        PublicState {
            nonce: self.nonce,
            state_type: StateType::Transmit,
            id: self.id.clone(),
        }
    }

    /// Encrypts with the current counter and advances it. Refuses to wrap around, which
    /// would reuse a nonce.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Cipher> {
        let next = self
            .counter
            .checked_add(1)
            .ok_or(CryptoError::CounterExhausted)?;
        let cipher = encrypt_with_counter(plaintext, &self.key, &self.nonce, self.counter);
        self.counter = next;
        Ok(cipher)
    }

    /// Reserves the next `count` counters (at least one) for a sender that hands them out itself
    /// with [`PrivateStateTransmit::encrypt_at`]: moves the state's counter past all of them and
    /// returns them. Fewer than `count` only at the end of the counter space, which is refused as
    /// [`CryptoError::CounterExhausted`] once nothing is left, like [`PrivateStateTransmit::encrypt`]
    /// (the last u32 is never used, as `encrypt` would have to wrap after it).
    pub fn reserve(&mut self, count: u32) -> Result<std::ops::Range<u32>> {
        let start = self.counter;
        let end = start.saturating_add(count.max(1));
        if end <= start {
            return Err(CryptoError::CounterExhausted);
        }
        self.counter = end;
        Ok(start..end)
    }

    /// Encrypts with `counter` and leaves the state's counter alone: for counters taken from a
    /// block [`PrivateStateTransmit::reserve`] returned. The cipher is the one
    /// [`PrivateStateTransmit::encrypt`] makes at that counter; the caller must use every counter
    /// once only.
    pub fn encrypt_at(&self, plaintext: &[u8], counter: u32) -> Cipher {
        encrypt_with_counter(plaintext, &self.key, &self.nonce, counter)
    }

    /// Decrypts one of its own ciphers (by the cipher's `cnt`).
    pub fn decrypt(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        decrypt_with_counter(cipher, &self.key, &self.nonce)
    }

    fn inner(&self) -> PrivateState {
        PrivateState {
            nonce: self.nonce,
            counter: self.counter,
            key: self.key.clone(),
            id: self.id.clone(),
        }
    }
}

impl CryptoJson for PrivateStateTransmit {
    const TYPE_NAME: &'static str = "CryptoPrivateStateTransmit";

    fn to_value(&self, _verbose: bool) -> Value {
        self.inner().to_value(StateType::Transmit, Self::TYPE_NAME)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let s = PrivateState::from_value(value, StateType::Transmit, Self::TYPE_NAME)?;
        Ok(Self {
            nonce: s.nonce,
            counter: s.counter,
            key: s.key,
            id: s.id,
        })
    }
}

inherent_json!(PrivateStateTransmit);

/// The receiving state (`CryptoPrivateStateReceive`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateStateReceive {
    /// Base nonce (the peer's transmit nonce).
    pub nonce: [u8; 24],
    /// Counter as stored; decryption uses the cipher's `cnt` instead.
    pub counter: u32,
    /// Channel key.
    pub key: SecretKey,
    /// Optional id.
    pub id: Option<String>,
}

impl PrivateStateReceive {
    /// A state at counter 0.
    pub fn new(key: SecretKey, nonce: [u8; 24]) -> Self {
        Self {
            nonce,
            counter: 0,
            key,
            id: None,
        }
    }

    /// Decrypts by the cipher's own `cnt` (`omitCounterCheck = true`, as transport does).
    pub fn decrypt(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        decrypt_with_counter(cipher, &self.key, &self.nonce)
    }

    fn inner(&self) -> PrivateState {
        PrivateState {
            nonce: self.nonce,
            counter: self.counter,
            key: self.key.clone(),
            id: self.id.clone(),
        }
    }
}

impl CryptoJson for PrivateStateReceive {
    const TYPE_NAME: &'static str = "CryptoPrivateStateReceive";

    fn to_value(&self, _verbose: bool) -> Value {
        self.inner().to_value(StateType::Receive, Self::TYPE_NAME)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let s = PrivateState::from_value(value, StateType::Receive, Self::TYPE_NAME)?;
        Ok(Self {
            nonce: s.nonce,
            counter: s.counter,
            key: s.key,
            id: s.id,
        })
    }
}

inherent_json!(PrivateStateReceive);
