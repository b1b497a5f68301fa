# kpihub wire contract, protocol v1.
#
# Evolution rules: fields are only ever added, at new ordinals; no field is renamed in a way
# that changes its meaning, removed, or renumbered; enum values are only appended. A reader
# must treat an enum value it does not know as the most conservative meaning.
@0xa441d3cbfdf2967e;

$import "/capnp/c++.capnp".namespace("kpihub::proto");

struct Observation {
  indicator @0 :Text;   # catalogue indicator code, e.g. "industrial_output"
  park @1 :Text;        # catalogue park code, e.g. "auto_parts"
  entity @2 :Text;      # unified social credit code (18 chars), or "" for a park-level figure
  period @3 :Text;      # "2020", "2020Q3" or "2020-09"
  value @4 :Float64;    # in the indicator's base unit; NaN and +/-Inf are refused
  note @5 :Text;        # optional free text, at most 256 bytes
  restatement @6 :Text; # non-empty: a deliberate change to a figure of an approved (closed)
                        # year, with its reason (at most 256 bytes); see docs/operations.md
}

# Closing a year (docs/operations.md): a department submits its own year; the approving office
# approves it (closed) or reopens it (sent back for correction).
enum PeriodActionKind {
  submit @0;
  approve @1;
  reopen @2;
}

struct PeriodAction {
  kind @0 :PeriodActionKind;
  department @1 :Text;  # catalogue department code; "" means the sender's own
  period @2 :Text;      # a year, "2020"
  note @3 :Text;        # optional, at most 256 bytes
}

struct Batch {
  sequence @0 :UInt64;      # per adapter, from 1, contiguous
  sentUnixMs @1 :Int64;     # adapter's clock, informational only
  observations @2 :List(Observation);
  periodActions @3 :List(PeriodAction);  # applied after the batch's observations, in order
}

enum AckStatus {
  accepted @0;     # committed durably; rejections (if any) list refused observations
  duplicate @1;    # sequence at or below the last applied one: no effect
  outOfOrder @2;   # a gap: nothing applied, resend from nextExpected
  retryLater @3;   # storage cannot take it now: nothing applied, resend the same batch later
  malformed @4;    # the frame could not be decoded or breaks a limit: nothing applied
  unauthorized @5; # the sender's key is not (or no longer) in the key registry
}

enum Reason {
  unknownIndicator @0;
  notOwner @1;              # the sender's department does not own the indicator
  unknownPark @2;
  malformedPeriod @3;
  periodTypeNotAllowed @4;  # e.g. a month for a yearly indicator
  futurePeriod @5;          # the period has not started yet
  notFinite @6;             # NaN, +Inf or -Inf
  outOfBounds @7;           # outside the indicator's declared [min, max]
  tooPrecise @8;            # more decimal places than the indicator declares
  malformedEntity @9;       # not a valid unified social credit code (GB 32100-2015)
  entityNotAllowed @10;     # an entity given for a park-level indicator
  entityRequired @11;       # no entity given for an enterprise-level indicator
  noteTooLong @12;
  # Frame-level reasons (Ack.frameReason, with status malformed or unauthorized).
  frameTooLarge @13;
  undecodable @14;
  tooManyObservations @15;
  badSequence @16;          # sequence 0
  # Observation-level again (appended later, hence out of group).
  fieldTooLong @17;         # a code, period or entity text longer than its limit
  # Frame-level: the sender's key is no longer registered (or for another department).
  unregisteredKey @18;
  # Observation-level: a milestone reported without the reference of its approval document.
  referenceRequired @19;
  # Closing a year.
  periodClosed @20;          # observation: a change to a figure of a submitted year, or of an
                             # approved year without a restatement reason
  notApprover @21;           # period action: this department may not take it
  periodStateConflict @22;   # period action: not allowed from the year's state
  unknownDepartment @23;     # period action: the catalogue has no such department
}

struct Rejection {
  index @0 :UInt32;   # position of the observation in Batch.observations
  reason @1 :Reason;
  detail @2 :Text;
}

struct Ack {
  sequence @0 :UInt64;        # the batch's sequence (0 if the frame could not be decoded)
  status @1 :AckStatus;
  nextExpected @2 :UInt64;    # the sequence the daemon expects next from this adapter
  rejections @3 :List(Rejection);
  frameReason @4 :Reason;     # meaningful only when status is malformed or unauthorized
  frameDetail @5 :Text;
  actionRejections @6 :List(Rejection);  # refused period actions; index into periodActions
}

# ---------------------------------------------------------------------------------------------
# The exchange (docs/exchange.md, docs/protocol.md "Reading: Query and QueryPage"): a
# department reads figures another department shares with it under a sharing agreement, on the
# daemon's exchange socket (its own endpoint, keys registered as [[consumer]]). One Query frame
# is answered by one QueryPage frame.

enum ShareLevel {
  aggregate @0;   # park figures as published: small cells withheld
  enterprise @1;  # each enterprise's figures (needs an enterprise-level agreement)
}

enum QueryStatus {
  answered @0;    # rows follow; more pages when continuation is not empty
  refused @1;     # nothing read: see reason and detail
}

enum QueryRefusal {
  none @0;                 # answered
  badRequest @1;           # a field breaks a limit or is malformed; undecodable frames too
  unknownIndicator @2;     # an indicator is not in the catalogue
  noAgreement @3;          # no agreement lets this department read an indicator asked for
  agreementNotInForce @4;  # the agreement is not yet, or no longer, in force
  levelNotGranted @5;      # enterprise rows asked; the agreements grant aggregates only
  asOfExpired @6;          # the next page cannot be served at asOf any more: start again
  resultTooLarge @7;       # more rows than one query may return: narrow it
  unregisteredKey @8;      # the session's key is no longer registered for reading
  auditUnavailable @9;     # the read could not be recorded, so it is not answered
  storeUnavailable @10;    # the daemon's state could not be read now: retry later
  tooManySubscriptions @11; # the daemon holds as many subscriptions as it may (or this key)
  unknownSubscription @12;  # credit or unsubscribe for a subscription the daemon does not hold
  subscriptionIdle @13;     # no credit or keep-alive for too long: subscribe again
}

struct Query {
  requestId @0 :UInt64;            # echoed in the answer; chosen by the client
  indicators @1 :List(Text);       # catalogue indicator codes, at least 1, at most 64
  parks @2 :List(Text);            # park codes; empty = every park (at most 64)
  periodFrom @3 :Text;             # "", or a period (YYYY, YYYYQn, YYYY-MM): first one included
  periodTo @4 :Text;               # "", or a period: last one included
  entities @5 :List(Text);         # enterprise level only: credit codes (at most 1,000)
  level @6 :ShareLevel;
  pageSize @7 :UInt32;             # rows per page, 1..10,000; 0 = 1,000
  continuation @8 :Text;           # "" for the first page; else the previous page's
  asOf @9 :UInt64;                 # 0 for the first page; else the asOf of the first page
  # Subscriptions (docs/protocol.md, "Subscribing"). A frame without these fields is a query.
  mode @10 :RequestMode;
  resumeJournal @11 :UInt64;       # subscribe: the change id the consumer has stored durably
  resumeIndex @12 :UInt32;         #   (0.0: none, start with a snapshot)
  credit @13 :UInt32;              # subscribe, credit: more data messages the consumer can take
}

enum RequestMode {
  query @0;        # one page of a query (the fields above)
  subscribe @1;    # a snapshot, then every later change; requestId names the subscription
  credit @2;       # more credit for subscription requestId; credit 0 is a keep-alive
  unsubscribe @3;  # ends subscription requestId
}

enum PageKind {
  queryPage @0;    # a page of a query
  snapshot @1;     # a page of a subscription's snapshot: rows as they stand at the change id
  changes @2;      # changes after the previous message's change id, up to this one, in order
  heartbeat @3;    # no rows: nothing else to send up to the change id
  ended @4;        # the subscription is over (refused, cut by a reload, idle): reason, detail
}

struct EnterpriseRow {
  indicator @0 :Text;
  park @1 :Text;
  entity @2 :Text;                 # unified social credit code
  period @3 :Text;
  value @4 :Text;                  # exact decimal, e.g. "1234.56"
  changedUnixMs @5 :Int64;         # when the figure (or its last revision) was received
  agreement @6 :Text;              # the agreement it flows under ("" for own data)
}

struct AggregateRow {
  indicator @0 :Text;
  park @1 :Text;
  period @2 :Text;
  value @3 :Text;                  # exact decimal; "" when withheld
  withheld @4 :Bool;               # a small or dominated cell (docs/security.md)
  entities @5 :UInt32;             # enterprises in the cell (0: park-level figure or withheld)
  agreement @6 :Text;
}

struct QueryPage {
  requestId @0 :UInt64;
  status @1 :QueryStatus;
  reason @2 :QueryRefusal;         # none when answered
  detail @3 :Text;                 # refused: a Chinese sentence, never an enterprise id
  asOf @4 :UInt64;                 # the data version every page of this query is read at
  level @5 :ShareLevel;
  enterpriseRows @6 :List(EnterpriseRow);
  aggregateRows @7 :List(AggregateRow);
  continuation @8 :Text;           # "" when this is the last page
  kind @9 :PageKind;
  # Subscriptions: the change id this message brings the consumer to: the batch's journal id
  # and the change's index in it (index 4294967295: every change of that batch). Store it
  # durably with what the rows did, and resume from it.
  changeJournal @10 :UInt64;
  changeIndex @11 :UInt32;
  snapshotDone @12 :Bool;          # the last page of the snapshot
}
