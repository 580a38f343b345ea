from tests.sending.conftest import smtp_server  # noqa: F401 - a real SMTP server on loopback
