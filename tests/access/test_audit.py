"""The audit of reads: who read which client, newest first, by client or by reader."""

from access.audit import Audit, Read


def test_reads_are_listed_newest_first_by_client_or_reader(engine):
    audit = Audit(engine)
    reads = [Read("ana", "advisor", 1, "ui:lookup", "decision"), Read("partner", "api-key", 1, "api:decision",
                                                                       "record"),
             Read("ana", "advisor", 2, "ui:what-if", "decision")]
    for read in reads:
        audit.record(read)
    assert [(e.reader, e.sk_id_curr, e.action) for e in audit.entries(sk_id_curr=1)] == [
        ("partner", 1, "api:decision"), ("ana", 1, "ui:lookup")]
    assert [e.sk_id_curr for e in audit.entries(reader="ana")] == [2, 1]
    assert len(audit.entries()) == 3 and audit.entries(sk_id_curr=1, reader="ana")[0].action == "ui:lookup"
