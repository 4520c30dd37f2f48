-- kefu store, version 4 (analytics): how each interaction went, per-turn latency, satisfaction, agent
-- handling, call recordings, and the salt that keys callers for data-subject requests without storing numbers.

ALTER TABLE conversations ADD COLUMN caller_key TEXT;
-- resolved | escalated | abandoned | transferred (NULL while the interaction runs)
ALTER TABLE conversations ADD COLUMN result TEXT;
ALTER TABLE conversations ADD COLUMN escalation_reason TEXT;
-- caller_hangup | bot_hangup | no_input | max_duration | escalated | chat_end | chat_idle
ALTER TABLE conversations ADD COLUMN end_reason TEXT;
ALTER TABLE conversations ADD COLUMN duration_ms INTEGER;
-- 1..5, from the DTMF survey after a voice call or the rating buttons of the chat
ALTER TABLE conversations ADD COLUMN csat INTEGER;
ALTER TABLE conversations ADD COLUMN agent TEXT;
ALTER TABLE conversations ADD COLUMN agent_wait_ms INTEGER;
ALTER TABLE conversations ADD COLUMN agent_talk_ms INTEGER;
ALTER TABLE conversations ADD COLUMN agent_disposition TEXT;
CREATE INDEX conversations_started ON conversations (started_at);
CREATE INDEX conversations_caller_key ON conversations (caller_key);
CREATE INDEX conversations_customer ON conversations (customer_id);

-- speech | typed | digits | no_input (NULL for the bot's opening and text chat)
ALTER TABLE turns ADD COLUMN input TEXT;
ALTER TABLE turns ADD COLUMN asr_confidence REAL;
ALTER TABLE turns ADD COLUMN endpoint_wait_ms INTEGER;
ALTER TABLE turns ADD COLUMN asr_ms INTEGER;
ALTER TABLE turns ADD COLUMN dialogue_ms INTEGER;
ALTER TABLE turns ADD COLUMN tts_first_audio_ms INTEGER;
ALTER TABLE turns ADD COLUMN voice_to_voice_ms INTEGER;

CREATE TABLE recordings (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    path            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX recordings_conversation ON recordings (conversation_id);

CREATE TABLE privacy_salt (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    salt TEXT NOT NULL
);
INSERT INTO privacy_salt (id, salt) VALUES (1, lower(hex(randomblob(16))));
