"""Sending the newsletter: sends, the send ledger, the worker tasks that deliver them.

See README, "Sending the newsletter". The front door is `sending.sends`: `request_send`
(called by the workflow when a publisher asks to email subscribers), `send_correction`,
`send_test`, `pause`, `resume`, `retry_failed`.
"""
