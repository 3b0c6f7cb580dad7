"""Legal demands: an operator records a demand (logged as `legal_demand`), answers it
with what the server holds (a response package, logged as `legal_response`), and the
named account's owner is told at once or when a recorded delay order ends
(`owner_notice`)."""
