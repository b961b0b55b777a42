#pragma once
// SQL of the bus tables (migrations/eventbus), one place for every statement.

namespace eventbus::sql {

inline constexpr const char* kAppendOutbox =
    "INSERT INTO bus_outbox(event_id, type, topic, aggregate_key, correlation_id, causation_id, "
    "occurred_ms, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr const char* kReadOutboxAfter =
    "SELECT seq, event_id, type, topic, aggregate_key, occurred_ms, correlation_id, causation_id, "
    "payload FROM bus_outbox WHERE seq > ? ORDER BY seq LIMIT ?";
inline constexpr const char* kOutboxWaiting =
    "SELECT COUNT(*), MIN(occurred_ms) FROM bus_outbox WHERE seq > ?";
inline constexpr const char* kOutboxMaxSeq = "SELECT COALESCE(MAX(seq), 0) FROM bus_outbox";
// The highest seq handed out (rolled back with lost commits). Pruning must keep the newest row:
// SQLite numbers a new row from the largest seq in the table (migration 0005).
inline constexpr const char* kOutboxLastAllocated = "SELECT COALESCE(MAX(seq), 0) FROM bus_outbox";
// bus_delivered holds one row (migration 0006).
inline constexpr const char* kMarkDelivered =
    "UPDATE bus_delivered SET updated_ms = ?1, seq = ?2 WHERE id = 1 AND seq < ?2";
inline constexpr const char* kLastMarked = "SELECT seq FROM bus_delivered WHERE id = 1";

// Observers of the outboxes (outbox_reads.cpp).
inline constexpr const char* kOutboxById =
    "SELECT seq, event_id, type, topic, aggregate_key, occurred_ms, correlation_id, causation_id, "
    "payload FROM bus_outbox WHERE event_id = ?";

inline constexpr const char* kOutboxByKey =
    "SELECT seq, event_id, type, topic, aggregate_key, occurred_ms, correlation_id, causation_id, "
    "payload FROM bus_outbox WHERE aggregate_key = ? ORDER BY seq";
inline constexpr const char* kHandledAt =
    "SELECT handled_ms FROM bus_inbox WHERE subscriber = ? AND event_id = ?";

inline constexpr const char* kInsertInbox =
    "INSERT OR IGNORE INTO bus_inbox(subscriber, event_id, source, handled_ms) VALUES (?, ?, ?, ?)";

// Retention (prune.cpp). The newest row stays: a new row's seq is the largest plus one.
inline constexpr const char* kOutboxPruneCandidates =
    "SELECT seq, occurred_ms FROM bus_outbox "
    "WHERE seq <= ?1 AND seq < (SELECT MAX(seq) FROM bus_outbox) ORDER BY seq LIMIT ?2";
inline constexpr const char* kOutboxPruneThrough = "DELETE FROM bus_outbox WHERE seq <= ?1";
inline constexpr const char* kInboxNextSubscriber =
    "SELECT subscriber FROM bus_inbox WHERE subscriber > ?1 ORDER BY subscriber LIMIT 1";
inline constexpr const char* kInboxPruneBound =
    "SELECT event_id FROM bus_inbox WHERE subscriber = ?1 AND event_id > ?2 AND event_id < ?3 "
    "ORDER BY event_id LIMIT 1 OFFSET ?4";
inline constexpr const char* kInboxPruneThrough =
    "DELETE FROM bus_inbox WHERE subscriber = ?1 AND event_id > ?2 AND event_id <= ?3 "
    "AND event_id < ?4 AND handled_ms < ?5";

inline constexpr const char* kReadPositions = "SELECT source, seq FROM bus_positions";
inline constexpr const char* kSavePosition =
    "INSERT INTO bus_positions(source, seq) VALUES (?, ?) "
    "ON CONFLICT(source) DO UPDATE SET seq = excluded.seq";

inline constexpr const char* kSavepoint = "SAVEPOINT bus_event";
inline constexpr const char* kRelease = "RELEASE bus_event";
inline constexpr const char* kRollbackTo = "ROLLBACK TO bus_event";

inline constexpr const char* kKeyBlocked =
    "SELECT 1 FROM bus_parked WHERE source = ? AND aggregate_key = ? AND status = 'pending' "
    "LIMIT 1";
inline constexpr const char* kPark =
    "INSERT OR IGNORE INTO bus_parked(subscriber, aggregate_key, event_id, event_type, source, "
    "envelope, status, attempts, next_attempt_ms, last_error, parked_ms, updated_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr const char* kPendingCount =
    "SELECT COUNT(*) FROM bus_parked WHERE status = 'pending'";
inline constexpr const char* kPendingBatch =
    "SELECT id, subscriber, aggregate_key, envelope, attempts, next_attempt_ms, parked_ms "
    "FROM bus_parked WHERE status = 'pending' ORDER BY id LIMIT ?";
// An event's delivery to one subscriber that failed (for the timeline: on what it waits).
inline constexpr const char* kParkedFor =
    "SELECT status, attempts, last_error, next_attempt_ms FROM bus_parked "
    "WHERE subscriber = ? AND event_id = ?";
inline constexpr const char* kWaitingCounts =
    "SELECT subscriber, event_type, SUM(status = 'pending' AND attempts > 0), "
    "SUM(status = 'dead'), (SELECT last_error FROM bus_parked AS l WHERE l.subscriber = "
    "p.subscriber AND l.event_type = p.event_type AND l.attempts > 0 AND l.status <> 'discarded' "
    "ORDER BY updated_ms DESC LIMIT 1) FROM bus_parked AS p WHERE attempts > 0 AND "
    "status <> 'discarded' GROUP BY subscriber, event_type";
inline constexpr const char* kRestartParked = "UPDATE bus_parked SET parked_ms = ? WHERE id = ?";
inline constexpr const char* kDeleteParked = "DELETE FROM bus_parked WHERE id = ?";
inline constexpr const char* kUpdateParked =
    "UPDATE bus_parked SET status = ?, attempts = ?, next_attempt_ms = ?, last_error = ?, "
    "updated_ms = ? WHERE id = ?";
inline constexpr const char* kParkedCounts =
    "SELECT COALESCE(SUM(status = 'pending' AND attempts > 0), 0), "
    "COALESCE(SUM(status = 'dead'), 0) FROM bus_parked";
// Entries of one status that failed at least once (not those only waiting behind another).
inline constexpr const char* kParkedAfter =
    "SELECT id, subscriber, status, attempts, last_error, parked_ms, updated_ms, envelope "
    "FROM bus_parked WHERE status = ?1 AND attempts > 0 AND id > ?2 ORDER BY id LIMIT ?3";
inline constexpr const char* kParkedById =
    "SELECT id, subscriber, status, attempts, last_error, parked_ms, updated_ms, envelope "
    "FROM bus_parked WHERE id = ?";

// Discarding a dead letter (only a dead one: a replay may have taken it meanwhile).
inline constexpr const char* kDiscardParked =
    "UPDATE bus_parked SET status = 'discarded', updated_ms = ?1 WHERE id = ?2 AND status = 'dead'";

// Failed attempts (attempt_log.cpp).
inline constexpr const char* kLastAttempt =
    "SELECT COALESCE(MAX(attempt), 0) FROM bus_attempts WHERE subscriber = ? AND event_id = ?";
inline constexpr const char* kInsertAttempt =
    "INSERT INTO bus_attempts(subscriber, event_id, attempt, at_ms, error) VALUES (?, ?, ?, ?, ?)";
inline constexpr const char* kTrimAttempts =
    "DELETE FROM bus_attempts WHERE subscriber = ? AND event_id = ? AND attempt <= ?";
inline constexpr const char* kAttemptsOf =
    "SELECT attempt, at_ms, error FROM bus_attempts WHERE subscriber = ? AND event_id = ? "
    "ORDER BY attempt";

// The audit of replays and discards (audit_log.cpp).
inline constexpr const char* kInsertAudit =
    "INSERT INTO bus_audit(action, parked_id, subscriber, event_id, event_type, actor_user_id, "
    "reason, outcome, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
// Newest first, after the position (eventbus::audit_position) whose time is ?1 and whose low
// 20 bits are ?3; ?2 is the module's code.
inline constexpr const char* kAuditBefore =
    "SELECT id, action, parked_id, subscriber, event_id, event_type, actor_user_id, reason, "
    "outcome, at_ms FROM bus_audit WHERE at_ms < ?1 OR (at_ms = ?1 AND (id & 65535) * 16 + ?2 < "
    "?3) "
    "ORDER BY at_ms DESC, (id & 65535) DESC LIMIT ?4";

// Retention of failure records (prune.cpp): discarded dead letters, and the attempts of
// deliveries that no longer wait (a dead letter's stay while it waits for an operator).
inline constexpr const char* kDiscardedPrune =
    "DELETE FROM bus_parked WHERE id IN (SELECT id FROM bus_parked WHERE status = 'discarded' "
    "AND updated_ms < ?1 ORDER BY id LIMIT ?2)";
inline constexpr const char* kAttemptsPrune =
    "DELETE FROM bus_attempts WHERE id IN (SELECT a.id FROM bus_attempts AS a WHERE a.at_ms < ?1 "
    "AND NOT EXISTS (SELECT 1 FROM bus_parked AS p WHERE p.subscriber = a.subscriber AND "
    "p.event_id = a.event_id AND p.status <> 'discarded') ORDER BY a.at_ms LIMIT ?2)";

}  // namespace eventbus::sql
