//! The messageBrokerPublisher module against the real brokers of this machine: RabbitMQ
//! (127.0.0.1:5672, guest/guest), Mosquitto (127.0.0.1:1883) and Redis (127.0.0.1:6379).
//! Events are driven over REST between two Connectors; consumers on each broker check
//! routing and payload.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::rest_peer::{
    Connector, Pair, accept_relationship, deletion_started_and_cancelled, load_template,
    offer_template, pair_with_env, relate, request_relationship, start_backbone,
    terminate_and_reactivate,
};

pub const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const MQTT_URL: &str = "mqtt://127.0.0.1:1883";
pub const REDIS_URL: &str = "redis://127.0.0.1:6379";

/// (routing key / topic / channel, payload) as a consumer received it.
pub type Received = mpsc::UnboundedReceiver<(String, Value)>;

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

pub fn broker_env(brokers: Value) -> Vec<(String, String)> {
    vec![
        (
            "modules__messageBrokerPublisher__enabled".into(),
            "true".into(),
        ),
        (
            "modules__messageBrokerPublisher__brokers".into(),
            brokers.to_string(),
        ),
    ]
}

/// A fresh topic exchange with a temporary queue bound to every routing key.
pub async fn amqp_consumer(exchange: &str) -> (Connection, Received) {
    let (connection, mut consumer) = amqp_queue(exchange).await;
    let (sender, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(delivery)) = consumer.next().await {
            let payload = serde_json::from_slice(&delivery.data).unwrap();
            let _ = sender.send((delivery.routing_key.as_str().to_owned(), payload));
        }
    });
    (connection, received)
}

/// One AMQP message with the properties that name the event.
#[derive(Debug)]
pub struct AmqpMessage {
    pub routing_key: String,
    pub message_id: Option<String>,
    pub timestamp: Option<u64>,
    pub payload: Value,
}

/// [`amqp_consumer`] with the messages' properties.
pub async fn amqp_message_consumer(
    exchange: &str,
) -> (Connection, mpsc::UnboundedReceiver<AmqpMessage>) {
    let (connection, mut consumer) = amqp_queue(exchange).await;
    let (sender, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(delivery)) = consumer.next().await {
            let _ = sender.send(AmqpMessage {
                routing_key: delivery.routing_key.as_str().to_owned(),
                message_id: delivery
                    .properties
                    .message_id()
                    .as_ref()
                    .map(|id| id.as_str().to_owned()),
                timestamp: *delivery.properties.timestamp(),
                payload: serde_json::from_slice(&delivery.data).unwrap(),
            });
        }
    });
    (connection, received)
}

async fn amqp_queue(exchange: &str) -> (Connection, lapin::Consumer) {
    let connection = Connection::connect(AMQP_URL, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.name().clone(),
            exchange.into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let consumer = channel
        .basic_consume(
            queue.name().clone(),
            "brokers-test".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    (connection, consumer)
}

pub async fn delete_exchange(connection: &Connection, exchange: &str) {
    let channel = connection.create_channel().await.unwrap();
    let _ = channel
        .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
        .await;
}

/// A fresh AMQP exchange (named after `prefix`) with a consumer of everything published to it.
pub struct AmqpExchange {
    pub name: String,
    connection: Connection,
    pub received: Received,
}

impl AmqpExchange {
    pub async fn new(prefix: &str) -> Self {
        let name = unique(prefix);
        let (connection, received) = amqp_consumer(&name).await;
        Self {
            name,
            connection,
            received,
        }
    }

    pub async fn delete(&self) {
        delete_exchange(&self.connection, &self.name).await;
    }
}

/// Two Connectors on a new dev Backbone, each publishing to an AMQP exchange of its own: `a`
/// with `env("a", a's exchange)`, `b` likewise. The [`Pair`] and a's and b's exchange.
pub async fn publishing_pair(
    prefix: &str,
    env: impl Fn(&str, &str) -> Vec<(String, String)>,
) -> (Pair, AmqpExchange, AmqpExchange) {
    let amqp_a = AmqpExchange::new(&format!("{prefix}-a")).await;
    let amqp_b = AmqpExchange::new(&format!("{prefix}-b")).await;
    let pair = pair_with_env(env("a", &amqp_a.name), env("b", &amqp_b.name)).await;
    (pair, amqp_a, amqp_b)
}

/// A subscription on `transport/#`, acknowledged before this returns.
async fn mqtt_consumer() -> Received {
    mqtt_consumer_on(&["transport/#"]).await
}

/// Subscriptions on the topic `filters`, each acknowledged before this returns.
pub async fn mqtt_consumer_on(filters: &[&str]) -> Received {
    use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
    let options = MqttOptions::new(unique("brokers-test"), "127.0.0.1", 1883);
    let (client, mut event_loop) = AsyncClient::new(options, 64);
    for filter in filters {
        client.subscribe(*filter, QoS::AtMostOnce).await.unwrap();
    }
    let mut acknowledged = 0;
    while acknowledged < filters.len() {
        if let Event::Incoming(Packet::SubAck(_)) = event_loop.poll().await.unwrap() {
            acknowledged += 1;
        }
    }
    let (sender, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let _client = client;
        while let Ok(event) = event_loop.poll().await {
            if let Event::Incoming(Packet::Publish(publish)) = event {
                let payload = serde_json::from_slice(&publish.payload).unwrap();
                let _ = sender.send((publish.topic.to_string(), payload));
            }
        }
    });
    received
}

/// A `PSUBSCRIBE transport.*` on Redis.
async fn redis_consumer() -> Received {
    redis_consumer_on(&["transport.*"]).await
}

/// A `PSUBSCRIBE` of `patterns` on Redis, subscribed before this returns.
pub async fn redis_consumer_on(patterns: &[&str]) -> Received {
    let client = redis::Client::open(REDIS_URL).unwrap();
    let mut pubsub = client.get_async_pubsub().await.unwrap();
    pubsub.psubscribe(patterns).await.unwrap();
    let (sender, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = pubsub.into_on_message();
        while let Some(message) = messages.next().await {
            let payload: String = message.get_payload().unwrap();
            let channel = message.get_channel_name().to_owned();
            let _ = sender.send((channel, serde_json::from_str(&payload).unwrap()));
        }
    });
    received
}

/// Everything a consumer received until `wanted` events (by key) arrived, or 30 s passed.
pub async fn collect(received: &mut Received, wanted: &[&str]) -> BTreeMap<String, Vec<Value>> {
    let mut seen: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !wanted.iter().all(|key| seen.contains_key(*key)) {
        match tokio::time::timeout_at(deadline, received.recv()).await {
            Ok(Some((key, payload))) => seen.entry(key).or_default().push(payload),
            _ => break,
        }
    }
    // Let stragglers of the same burst arrive.
    while let Ok(Some((key, payload))) =
        tokio::time::timeout(Duration::from_millis(300), received.recv()).await
    {
        seen.entry(key).or_default().push(payload);
    }
    seen
}

const NAMESPACES: [&str; 10] = [
    "transport.peerRelationshipTemplateLoaded",
    "transport.relationshipChanged",
    "transport.messageSent",
    "transport.messageReceived",
    "transport.relationshipDecomposedBySelf",
    "transport.identityDeletionProcessStatusChanged",
    "transport.relationshipReactivationRequested",
    "transport.relationshipReactivationCompleted",
    "transport.peerToBeDeleted",
    "transport.peerDeletionCancelled",
];

#[tokio::test]
async fn every_event_reaches_amqp_mqtt_and_redis_with_routing_and_payload() {
    let exchange = unique("connector-brokers-test");
    let (amqp_connection, mut amqp) = amqp_consumer(&exchange).await;
    let mut mqtt = mqtt_consumer().await;
    let mut redis = redis_consumer().await;

    let backbone = start_backbone().await;
    let brokers = json!([
        {"type": "AMQP", "configuration": {"url": AMQP_URL, "exchange": exchange}},
        {"type": "MQTT", "configuration": {"url": MQTT_URL}},
        {"type": "Redis", "configuration": {"url": REDIS_URL}},
    ]);
    let mut env = broker_env(brokers);
    env.push(("DEBUG".into(), "true".into()));
    let a = Connector::start_with_env(&backbone.base_url(), env).await;
    let b = Connector::start_with_env(&backbone.base_url(), vec![("DEBUG".into(), "true".into())])
        .await;
    let (a_address, b_address) = (a.address().await, b.address().await);

    // b offers a template, a (publishing) loads it, asks for a relationship, b accepts.
    let template = offer_template(&b).await;
    let loaded = load_template(&a, &template["reference"]["truncated"]).await;
    let relationship_id = request_relationship(&a, &loaded).await;
    accept_relationship(&b, &a, &relationship_id).await;

    // Messages both ways.
    let mail = |to: &str| json!({"@type": "Mail", "to": [to], "subject": "s", "body": "b"});
    let sent = a
        .post(
            "/Messages",
            json!({"recipients": [b_address], "content": mail(&b_address)}),
        )
        .await;
    let answer = b
        .post(
            "/Messages",
            json!({"recipients": [a_address], "content": mail(&a_address)}),
        )
        .await;
    a.sync().await;

    // a ends the relationship, asks to resume it, b agrees.
    let relationship = format!("/Relationships/{relationship_id}");
    terminate_and_reactivate(&a, &b, &relationship).await;

    // b starts and cancels its deletion; a learns both on sync.
    deletion_started_and_cancelled(&b, &a).await;

    // a ends the relationship again and decomposes it.
    a.put(&format!("{relationship}/Terminate"), json!({})).await;
    a.delete(&format!("/Relationships/{relationship_id}")).await;

    // a starts and cancels its deletion (debug routes).
    let initiated = a.ok("POST", "/IdentityDeletionProcess", None, 200).await;
    assert_eq!(initiated["status"], "Active");
    assert_eq!(a.get("/IdentityDeletionProcess").await, initiated);
    let cancelled = a.ok("DELETE", "/IdentityDeletionProcess", None, 200).await;
    assert_eq!(cancelled["id"], initiated["id"]);
    assert_eq!(cancelled["status"], "Cancelled");
    a.fails(
        "DELETE",
        "/IdentityDeletionProcess",
        None,
        400,
        "error.runtime.identityDeletionProcess.noActiveIdentityDeletionProcess",
    )
    .await;

    // The queue is bound to `#`: the consumption events of these flows are left to
    // consumption_events.rs.
    let amqp_seen: BTreeMap<String, Vec<Value>> = collect(&mut amqp, &NAMESPACES)
        .await
        .into_iter()
        .filter(|(key, _)| key.starts_with("transport."))
        .collect();
    let mqtt_wanted: Vec<String> = NAMESPACES.iter().map(|n| n.replace('.', "/")).collect();
    let mqtt_wanted: Vec<&str> = mqtt_wanted.iter().map(String::as_str).collect();
    let mqtt_seen = collect(&mut mqtt, &mqtt_wanted).await;
    let redis_seen = collect(&mut redis, &NAMESPACES).await;
    delete_exchange(&amqp_connection, &exchange).await;

    // The same events, under the namespace (AMQP routing key, Redis channel) or its topic form.
    let mqtt_as_namespaces: BTreeMap<String, Vec<Value>> = mqtt_seen
        .into_iter()
        .map(|(topic, payloads)| (topic.replace('/', "."), payloads))
        .collect();
    let expected: BTreeSet<String> = NAMESPACES.iter().map(|n| n.to_string()).collect();
    assert_eq!(
        amqp_seen.keys().cloned().collect::<BTreeSet<_>>(),
        expected,
        "AMQP received {amqp_seen:#?}"
    );
    // MQTT topics and Redis channels are shared with other tests: what they received contains,
    // in order, exactly what AMQP (on this test's own exchange) received.
    assert_eq!(
        only_these(&mqtt_as_namespaces, &amqp_seen),
        amqp_seen,
        "MQTT and AMQP differ"
    );
    assert_eq!(
        only_these(&redis_seen, &amqp_seen),
        amqp_seen,
        "Redis and AMQP differ"
    );

    // The payloads are the DTOs the REST API answers.
    let events = amqp_seen;
    assert_eq!(
        events["transport.peerRelationshipTemplateLoaded"],
        vec![loaded]
    );
    assert_eq!(events["transport.messageSent"], vec![sent.clone()]);
    let received = &events["transport.messageReceived"];
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["id"], answer["id"]);
    assert_eq!(received[0]["isOwn"], false);
    assert_eq!(
        events["transport.relationshipDecomposedBySelf"],
        vec![json!({"relationshipId": relationship_id})]
    );
    assert_eq!(
        events["transport.identityDeletionProcessStatusChanged"],
        vec![initiated, cancelled]
    );
    let statuses: Vec<&str> = events["transport.relationshipChanged"]
        .iter()
        .map(|r| {
            assert_eq!(r["id"], relationship_id.as_str());
            r["status"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        statuses,
        [
            "Pending",
            "Active",
            "Terminated",
            "Terminated",
            "Active",
            "Terminated"
        ]
    );
    // The reactivation events carry the relationship as changed by the step.
    let changed = &events["transport.relationshipChanged"];
    assert_eq!(
        events["transport.relationshipReactivationRequested"],
        vec![changed[3].clone()]
    );
    assert_eq!(
        events["transport.relationshipReactivationCompleted"],
        vec![changed[4].clone()]
    );
    let to_be_deleted = &events["transport.peerToBeDeleted"];
    assert_eq!(to_be_deleted.len(), 1);
    assert_eq!(to_be_deleted[0]["id"], relationship_id.as_str());
    assert_eq!(
        to_be_deleted[0]["peerDeletionInfo"]["deletionStatus"],
        "ToBeDeleted"
    );
    let peer_cancelled = &events["transport.peerDeletionCancelled"];
    assert_eq!(peer_cancelled.len(), 1);
    assert_eq!(peer_cancelled[0]["id"], relationship_id.as_str());
    assert!(
        peer_cancelled[0].get("peerDeletionInfo").is_none(),
        "{peer_cancelled:?}"
    );
}

/// The event's id and emission time on every broker where it has a place: AMQP's `message_id`
/// and `timestamp`, MQTT 5's user properties (`protocolVersion: 5`), Redis's envelope
/// (`envelope: true`). One id per event, the same the webhook gets as `webhook-id`; the payload
/// (AMQP, MQTT) or the envelope's `data` (Redis) is the real Connector's payload.
#[tokio::test(flavor = "multi_thread")]
async fn broker_messages_carry_the_event_id_and_time() {
    let exchange = unique("connector-event-ids");
    let (amqp_connection, mut amqp) = amqp_message_consumer(&exchange).await;
    let mut mqtt = mqtt5_consumer_on("transport/messageSent").await;
    // Other tests publish on the same topic and channel: only this test's messages count.
    let mut redis = redis_consumer_on(&["transport.messageSent"]).await;
    let receiver = crate::webhooks::Receiver::start();
    let backbone = start_backbone().await;
    let mut env = broker_env(json!([
        {"type": "AMQP", "configuration": {"url": AMQP_URL, "exchange": exchange}},
        {"type": "MQTT", "configuration": {"url": MQTT_URL, "protocolVersion": 5}},
        {"type": "Redis", "configuration": {"url": REDIS_URL, "envelope": true}},
    ]));
    env.extend(crate::webhooks::webhooks_env(&json!({
        "webhooks": [{"triggers": ["transport.messageSent"],
                      "target": {"url": format!("{}/ids", receiver.base)}}],
    })));
    let a = Connector::start_with_env(&backbone.base_url(), env).await;
    let b = Connector::start(&backbone.base_url()).await;
    relate(&a, &b).await;
    let b_address = b.address().await;
    let started = time::OffsetDateTime::now_utc().unix_timestamp();
    let in_time = |timestamp: i64| (started - 1..=started + 60).contains(&timestamp);
    let mut sent = Vec::new();
    for tag in ["one", "two"] {
        let content = json!({"@type": "ArbitraryMessageContent", "value": {"tag": tag}});
        let message = a
            .post(
                "/Messages",
                json!({"recipients": [b_address], "content": content}),
            )
            .await;
        sent.push(message);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);

    // AMQP: message id and timestamp properties.
    let mut ids = BTreeMap::new();
    while ids.len() < 2 {
        let message = tokio::time::timeout_at(deadline, amqp.recv())
            .await
            .expect("both messageSent events on AMQP")
            .unwrap();
        if message.routing_key != "transport.messageSent" {
            continue;
        }
        let id = message.message_id.expect("a message_id");
        assert!(id.starts_with("evt_"), "{id}");
        let timestamp = message.timestamp.expect("a timestamp");
        assert!(in_time(timestamp.cast_signed()), "{timestamp}");
        assert!(sent.iter().any(|s| s["id"] == message.payload["id"]));
        ids.insert(message.payload["id"].as_str().unwrap().to_owned(), id);
    }
    delete_exchange(&amqp_connection, &exchange).await;
    let distinct: BTreeSet<&String> = ids.values().collect();
    assert_eq!(distinct.len(), 2, "one id per event: {ids:?}");

    // MQTT 5: user properties, the payload unchanged.
    let mut seen = 0;
    while seen < 2 {
        let (properties, payload) = tokio::time::timeout_at(deadline, mqtt.recv())
            .await
            .expect("both messageSent events on MQTT 5")
            .unwrap();
        let Some(message_id) = payload["id"].as_str().filter(|id| ids.contains_key(*id)) else {
            continue;
        };
        seen += 1;
        assert_eq!(
            properties.get("event-id"),
            Some(&ids[message_id]),
            "MQTT 5 carries the event's id: {properties:?}"
        );
        let timestamp: i64 = properties["event-timestamp"].parse().unwrap();
        assert!(in_time(timestamp), "{timestamp}");
    }

    // Redis: the envelope around the payload.
    let mut seen = 0;
    while seen < 2 {
        let (_, envelope) = tokio::time::timeout_at(deadline, redis.recv())
            .await
            .expect("both messageSent events on Redis")
            .unwrap();
        assert!(
            !envelope["id"]
                .as_str()
                .is_some_and(|id| ids.contains_key(id)),
            "this test's message without the envelope: {envelope}"
        );
        let Some(message_id) = envelope["data"]["id"]
            .as_str()
            .filter(|id| ids.contains_key(*id))
        else {
            continue;
        };
        seen += 1;
        assert_eq!(envelope["id"].as_str(), Some(ids[message_id].as_str()));
        assert!(
            in_time(envelope["timestamp"].as_i64().unwrap()),
            "{envelope}"
        );
        assert_eq!(
            envelope.as_object().unwrap().len(),
            3,
            "id, timestamp, data: {envelope}"
        );
    }

    let hooks = receiver
        .wait_for("/ids", Duration::from_secs(10), "webhooks", |h| {
            h.len() == 2
        })
        .await;
    for hit in hooks {
        let message_id = hit.body["data"]["id"].as_str().unwrap();
        assert_eq!(
            hit.header("webhook-id"),
            Some(ids[message_id].as_str()),
            "the same event id at the webhook and on AMQP"
        );
    }
}

/// An MQTT 5 subscription on `filter`, acknowledged before this returns: (user properties,
/// payload) of each publish.
async fn mqtt5_consumer_on(
    filter: &str,
) -> mpsc::UnboundedReceiver<(BTreeMap<String, String>, Value)> {
    use rumqttc::v5::mqttbytes::QoS;
    use rumqttc::v5::mqttbytes::v5::Packet;
    use rumqttc::v5::{AsyncClient, Event, MqttOptions};
    let options = MqttOptions::new(unique("brokers-test"), "127.0.0.1", 1883);
    let (client, mut event_loop) = AsyncClient::new(options, 64);
    client.subscribe(filter, QoS::AtMostOnce).await.unwrap();
    while !matches!(
        event_loop.poll().await.unwrap(),
        Event::Incoming(Packet::SubAck(_))
    ) {}
    let (sender, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let _client = client;
        while let Ok(event) = event_loop.poll().await {
            if let Event::Incoming(Packet::Publish(publish)) = event {
                let properties = publish
                    .properties
                    .map(|p| p.user_properties.into_iter().collect())
                    .unwrap_or_default();
                let payload = serde_json::from_slice(&publish.payload).unwrap();
                let _ = sender.send((properties, payload));
            }
        }
    });
    received
}

/// The test environment with the dev Backbone's client secret.
fn dev_backbone_env(dir: &std::path::Path, backbone_url: &str) -> Vec<(String, String)> {
    let mut env = crate::helpers::test_env(dir, backbone_url);
    env.retain(|(name, _)| name != "PLATFORM_CLIENT_SECRET");
    env.push(("PLATFORM_CLIENT_SECRET".into(), "test".into()));
    env
}

#[tokio::test]
async fn a_missing_amqp_exchange_aborts_the_start() {
    let backbone = start_backbone().await;
    let dir = tempfile::tempdir().unwrap();
    let exchange = unique("connector-no-such-exchange");
    let mut env = dev_backbone_env(dir.path(), &backbone.base_url());
    env.extend(broker_env(json!([
        {"type": "AMQP", "configuration": {"url": AMQP_URL, "exchange": exchange}}
    ])));
    let loaded =
        connector::config::load(&crate::helpers::isolated_sources(dir.path(), env)).unwrap();
    let error = connector::startup::Application::start(loaded, Default::default())
        .await
        .err()
        .expect("the start must fail");
    let message = error.to_string();
    assert!(
        message.contains(&format!("the AMQP exchange '{exchange}' does not exist")),
        "{message}"
    );
    assert!(
        message.starts_with("messageBrokerPublisher (AMQP): "),
        "{message}"
    );

    // Without brokers the module refuses to start, with the real Connector's message.
    let dir = tempfile::tempdir().unwrap();
    let mut env = dev_backbone_env(dir.path(), &backbone.base_url());
    env.push((
        "modules__messageBrokerPublisher__enabled".into(),
        "true".into(),
    ));
    let loaded =
        connector::config::load(&crate::helpers::isolated_sources(dir.path(), env)).unwrap();
    let error = connector::startup::Application::start(loaded, Default::default())
        .await
        .err()
        .expect("the start must fail");
    assert_eq!(error.to_string(), "At least one broker must be configured");
}

/// A TCP relay to Redis that the test can take away and bring back on the same port.
struct Relay {
    port: u16,
    tasks: tokio::task::JoinSet<()>,
}

impl Relay {
    async fn open(port: u16) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                connections.spawn(async move {
                    let mut outbound = tokio::net::TcpStream::connect("127.0.0.1:6379")
                        .await
                        .unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
            }
        });
        Self { port, tasks }
    }

    /// Closes the listener and every relayed connection (once this returns, they are gone).
    async fn close(mut self) -> u16 {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        self.port
    }
}

#[tokio::test]
async fn a_broker_that_goes_away_blocks_no_rest_call_and_is_reconnected() {
    let relay = Relay::open(0).await;
    let mut redis = redis_consumer().await;
    let backbone = start_backbone().await;
    let brokers = json!([
        {"type": "Redis", "configuration": {"url": format!("redis://127.0.0.1:{}", relay.port)}}
    ]);
    let a = Connector::start_with_env(&backbone.base_url(), broker_env(brokers)).await;
    let b = Connector::start(&backbone.base_url()).await;
    relate(&b, &a).await;
    let before = collect(&mut redis, &["transport.relationshipChanged"]).await;
    assert!(
        before.contains_key("transport.peerRelationshipTemplateLoaded"),
        "{before:#?}"
    );

    // The broker goes away: REST calls that emit events answer as quickly as before.
    let port = relay.close().await;
    let b_address = b.address().await;
    let mail = json!({"@type": "Mail", "to": [b_address], "subject": "s", "body": "b"});
    let body = json!({"recipients": [b_address], "content": mail});
    for _ in 0..3 {
        let started = std::time::Instant::now();
        a.post("/Messages", body.clone()).await;
        a.sync().await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "a REST call waited for the missing broker: {:?}",
            started.elapsed()
        );
    }

    // The broker comes back on the same address: the publisher reconnects and publishes again.
    let _relay = Relay::open(port).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    let sent = loop {
        let sent = a.post("/Messages", body.clone()).await;
        let seen = collect_for(&mut redis, Duration::from_secs(2)).await;
        if seen
            .get("transport.messageSent")
            .is_some_and(|payloads| payloads.iter().any(|p| p["id"] == sent["id"]))
        {
            break sent;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no event reached Redis after it came back"
        );
    };
    assert_eq!(sent["isOwn"], true);
}

/// The payloads of `received` that also occur in `expected` (under the same key).
fn only_these(
    received: &BTreeMap<String, Vec<Value>>,
    expected: &BTreeMap<String, Vec<Value>>,
) -> BTreeMap<String, Vec<Value>> {
    expected
        .iter()
        .map(|(key, wanted)| {
            let got = received.get(key).into_iter().flatten();
            (
                key.clone(),
                got.filter(|p| wanted.contains(p)).cloned().collect(),
            )
        })
        .collect()
}

/// What a consumer receives within `window`.
async fn collect_for(received: &mut Received, window: Duration) -> BTreeMap<String, Vec<Value>> {
    let mut seen: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some((key, payload))) = tokio::time::timeout_at(deadline, received.recv()).await {
        seen.entry(key).or_default().push(payload);
    }
    seen
}
