//! Thin actors that own the calls of their area, so the REST routes go through a supervised
//! mailbox: [`MessagingActor`] (send), [`FileActor`] (upload), [`IdentityActor`] (identity
//! information, signatures with the identity key).

use actix::{Actor, Context, Handler, Message, ResponseActFuture, Supervised};
use connector_transport::Transport;
use connector_transport::events::with_correlation_id;
use connector_transport::files::{FileRecord, NewFile};
use connector_transport::messages::{MessageRecord, NewMessage};
use nmshd_crypto::{HashAlgorithm, Signature, SignaturePublicKey};

use crate::{ActorError, NamedActor, run_work};

macro_rules! area_actor {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug)]
        pub struct $name {
            transport: Transport,
            runtime: tokio::runtime::Handle,
        }

        impl $name {
            /// An actor for `transport`; its work runs on `runtime`.
            pub fn new(transport: Transport, runtime: tokio::runtime::Handle) -> Self {
                Self { transport, runtime }
            }
        }

        impl Actor for $name {
            type Context = Context<Self>;
        }

        impl NamedActor for $name {
            const NAME: &'static str = stringify!($name);
        }

        impl Supervised for $name {
            fn restarting(&mut self, _ctx: &mut Context<Self>) {
                tracing::warn!(actor = Self::NAME, "actor restarted");
            }
        }
    };
}

area_actor!(MessagingActor, "Sends messages.");
area_actor!(FileActor, "Uploads own files.");
area_actor!(
    IdentityActor,
    "Identity information and signatures with the identity key."
);

/// Send a message (`POST /Messages`).
#[derive(Debug)]
pub struct SendMessage {
    /// What to do.
    pub message: NewMessage,
    /// The caller's span (parent of the `actor.message` span).
    pub parent: tracing::Span,
    /// The caller's correlation id: the events of the work carry it.
    pub correlation_id: Option<String>,
}

impl SendMessage {
    /// The message, traced under the current span.
    pub fn new(message: NewMessage) -> Self {
        Self {
            message,
            parent: tracing::Span::current(),
            correlation_id: connector_transport::events::current_correlation_id(),
        }
    }
}

impl Message for SendMessage {
    type Result = Result<MessageRecord, ActorError>;
}

impl Handler<SendMessage> for MessagingActor {
    type Result = ResponseActFuture<Self, Result<MessageRecord, ActorError>>;

    fn handle(&mut self, msg: SendMessage, _ctx: &mut Context<Self>) -> Self::Result {
        let transport = self.transport.clone();
        run_work(&self.runtime, "SendMessage", &msg.parent, async move {
            with_correlation_id(msg.correlation_id, transport.send_message(msg.message)).await
        })
    }
}

/// Upload an own file (`POST /Files/Own`).
#[derive(Debug)]
pub struct UploadFile {
    /// What to do.
    pub file: NewFile,
    /// The caller's span (parent of the `actor.message` span).
    pub parent: tracing::Span,
    /// The caller's correlation id: the events of the work carry it.
    pub correlation_id: Option<String>,
}

impl UploadFile {
    /// The message, traced under the current span.
    pub fn new(file: NewFile) -> Self {
        Self {
            file,
            parent: tracing::Span::current(),
            correlation_id: connector_transport::events::current_correlation_id(),
        }
    }
}

impl Message for UploadFile {
    type Result = Result<FileRecord, ActorError>;
}

impl Handler<UploadFile> for FileActor {
    type Result = ResponseActFuture<Self, Result<FileRecord, ActorError>>;

    fn handle(&mut self, msg: UploadFile, _ctx: &mut Context<Self>) -> Self::Result {
        let transport = self.transport.clone();
        run_work(&self.runtime, "UploadFile", &msg.parent, async move {
            with_correlation_id(msg.correlation_id, transport.upload_own_file(msg.file)).await
        })
    }
}

/// The identity's address and public key.
#[derive(Debug, Clone)]
pub struct IdentityInfo {
    /// The address.
    pub address: String,
    /// The identity signing key's public half.
    pub public_key: SignaturePublicKey,
}

/// Ask for [`IdentityInfo`].
#[derive(Debug)]
pub struct GetIdentityInfo {
    /// The caller's span (parent of the `actor.message` span).
    pub parent: tracing::Span,
}

impl Default for GetIdentityInfo {
    /// Traced under the current span.
    fn default() -> Self {
        Self {
            parent: tracing::Span::current(),
        }
    }
}

impl Message for GetIdentityInfo {
    type Result = Result<IdentityInfo, ActorError>;
}

impl Handler<GetIdentityInfo> for IdentityActor {
    type Result = ResponseActFuture<Self, Result<IdentityInfo, ActorError>>;

    fn handle(&mut self, msg: GetIdentityInfo, _ctx: &mut Context<Self>) -> Self::Result {
        let transport = self.transport.clone();
        run_work(&self.runtime, "GetIdentityInfo", &msg.parent, async move {
            let account = transport.account();
            Ok(IdentityInfo {
                address: account.address.clone(),
                public_key: account.identity_public_key(),
            })
        })
    }
}

/// Sign bytes with the identity key (Ed25519, labelled SHA-256 as the enmeshed runtime does).
#[derive(Debug)]
pub struct SignWithIdentity {
    /// What to do.
    pub bytes: Vec<u8>,
    /// The caller's span (parent of the `actor.message` span).
    pub parent: tracing::Span,
}

impl SignWithIdentity {
    /// The message, traced under the current span.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            parent: tracing::Span::current(),
        }
    }
}

impl Message for SignWithIdentity {
    type Result = Result<Signature, ActorError>;
}

impl Handler<SignWithIdentity> for IdentityActor {
    type Result = ResponseActFuture<Self, Result<Signature, ActorError>>;

    fn handle(&mut self, msg: SignWithIdentity, _ctx: &mut Context<Self>) -> Self::Result {
        let transport = self.transport.clone();
        let bytes = msg.bytes;
        run_work(&self.runtime, "SignWithIdentity", &msg.parent, async move {
            Ok(transport
                .account()
                .identity_key()
                .sign(&bytes, HashAlgorithm::Sha256))
        })
    }
}
