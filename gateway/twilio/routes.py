"""HTTP and WebSocket routes of the Twilio voice edge."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.twilio.inspection import call_turns
from gateway.twilio.stream import media_stream
from gateway.twilio.transfer import TRANSFER_RESULT_PATH
from gateway.twilio.transfer_result import transfer_result
from gateway.twilio.webhook import call_status, incoming_call

router = APIRouter()
router.add_api_route("/twilio/voice", incoming_call, methods=["POST"], include_in_schema=False)
router.add_api_route("/twilio/status", call_status, methods=["POST"], include_in_schema=False)
router.add_api_route(TRANSFER_RESULT_PATH, transfer_result, methods=["POST"], include_in_schema=False)
router.add_api_route("/twilio/calls/{call_sid}/turns", call_turns, methods=["GET"], include_in_schema=False)
router.add_api_websocket_route("/twilio/stream", media_stream)
