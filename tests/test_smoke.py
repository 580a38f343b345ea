from tests.helpers.workflow import publish


def test_a_published_issue_is_served_at_its_canonical_url(client, make_issue, editor):
    issue = make_issue()
    publish(issue)
    response = client.get("/issues/1-issue-1/")
    assert response.status_code == 200
    assert b"Fine-tuning on a laptop" in response.content
