from django.db import migrations

# A live number belongs to its issue for good: public addresses (/issues/9/ and the
# canonical URL), feeds and the API find an issue by the number it was published with.
# So, whoever writes (the admin, the workflow, a script, the shell):
# - an issue that has ever been published or scheduled (a revision with go_live_at) keeps
#   its number;
# - no issue takes a number another issue's revision was published or scheduled with;
# - a revision is published or scheduled only under a number no other issue was published
#   with, and, when its issue was published before, under a number it was published with.
# Corrections of the same issue are untouched. A transaction-scoped advisory lock per
# number serialises the checks, so two transactions cannot both take one number.
CREATE = """
CREATE FUNCTION newsletter_lock_issue_number(number integer) RETURNS void AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7301, number);
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION newsletter_issue_number_kept() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.number IS DISTINCT FROM OLD.number THEN
        PERFORM newsletter_lock_issue_number(OLD.number);
        IF EXISTS (
            SELECT 1 FROM newsletter_revision
            WHERE issue_id = OLD.id AND go_live_at IS NOT NULL
        ) THEN
            RAISE EXCEPTION 'issue % has been published or scheduled: its number cannot change',
                OLD.number
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'INSERT' OR NEW.number IS DISTINCT FROM OLD.number THEN
        PERFORM newsletter_lock_issue_number(NEW.number);
        IF EXISTS (
            SELECT 1 FROM newsletter_revision
            WHERE issue_number = NEW.number AND issue_id <> NEW.id AND go_live_at IS NOT NULL
        ) THEN
            RAISE EXCEPTION 'number % was published by another issue: it is that issue''s',
                NEW.number
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER newsletter_issue_number_kept
BEFORE INSERT OR UPDATE OF number ON newsletter_issue
FOR EACH ROW
EXECUTE FUNCTION newsletter_issue_number_kept();

CREATE FUNCTION newsletter_revision_number_owned() RETURNS trigger AS $$
BEGIN
    PERFORM newsletter_lock_issue_number(NEW.issue_number);
    IF EXISTS (
        SELECT 1 FROM newsletter_revision
        WHERE issue_number = NEW.issue_number AND issue_id <> NEW.issue_id
          AND go_live_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'number % was published by another issue: revision % cannot use it',
            NEW.issue_number, NEW.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM newsletter_revision
        WHERE issue_id = NEW.issue_id AND id <> NEW.id AND go_live_at IS NOT NULL
    ) AND NOT EXISTS (
        SELECT 1 FROM newsletter_revision
        WHERE issue_id = NEW.issue_id AND id <> NEW.id AND go_live_at IS NOT NULL
          AND issue_number = NEW.issue_number
    ) THEN
        RAISE EXCEPTION 'issue % was published under another number than %',
            NEW.issue_id, NEW.issue_number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER newsletter_revision_number_owned_insert
BEFORE INSERT ON newsletter_revision
FOR EACH ROW
WHEN (NEW.go_live_at IS NOT NULL)
EXECUTE FUNCTION newsletter_revision_number_owned();

CREATE TRIGGER newsletter_revision_number_owned_update
BEFORE UPDATE OF go_live_at ON newsletter_revision
FOR EACH ROW
WHEN (NEW.go_live_at IS NOT NULL AND OLD.go_live_at IS DISTINCT FROM NEW.go_live_at)
EXECUTE FUNCTION newsletter_revision_number_owned();
"""

DROP = """
DROP TRIGGER IF EXISTS newsletter_revision_number_owned_update ON newsletter_revision;
DROP TRIGGER IF EXISTS newsletter_revision_number_owned_insert ON newsletter_revision;
DROP FUNCTION IF EXISTS newsletter_revision_number_owned();
DROP TRIGGER IF EXISTS newsletter_issue_number_kept ON newsletter_issue;
DROP FUNCTION IF EXISTS newsletter_issue_number_kept();
DROP FUNCTION IF EXISTS newsletter_lock_issue_number(integer);
"""


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0008_markdown_fields_validated")]

    operations = [migrations.RunSQL(CREATE, DROP)]
