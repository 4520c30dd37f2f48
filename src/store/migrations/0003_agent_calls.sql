-- kefu store, version 3: calls taken by human agents, with their wrap-up (disposition code and notes).
-- agent_id is the users.id of the agent's account, customer_id a customers.id; no foreign keys, so a re-seeded
-- catalogue or a removed account leaves the call history alone.

CREATE TABLE agent_calls (
    id          INTEGER PRIMARY KEY,
    call_id     TEXT NOT NULL,
    -- the dialogue's conversation (conversations.id), whose record gets the agent's handling
    conversation_id TEXT,
    agent_id    INTEGER NOT NULL,
    channel     TEXT NOT NULL,
    caller      TEXT,
    customer_id INTEGER,
    lang        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    priority    TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    ended_at    TEXT,
    -- how the call ended for the agent: hangup_caller, hangup_agent, handed_back, agent_lost
    end_reason  TEXT,
    disposition TEXT,
    notes       TEXT NOT NULL DEFAULT '',
    -- both sides' words while bridged, JSON [{"who": "caller"|"agent", "text": "..."}]
    transcript  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX agent_calls_agent ON agent_calls (agent_id, answered_at);
CREATE INDEX agent_calls_call ON agent_calls (call_id);
