// The console's Test call (docs/console.md): this browser plays the phone's part on one WebSocket.
// Microphone -> 16-bit PCM at the AudioContext's rate, binary frames (the gateway resamples to
// 8 kHz). Bot audio arrives as Twilio Media Streams `media` frames (8 kHz mu-law), is played with
// WebAudio, and each `mark` is echoed once the audio queued before it has played, so the gateway
// knows what was heard (barge-in); `clear` drops what is still queued. `transcript` events fill the
// live transcript.
"use strict";

(function () {
  const root = document.getElementById("test-call");
  if (!root) return;
  const startButton = document.getElementById("call-start");
  const hangupButton = document.getElementById("call-hangup");
  const halfDuplex = document.getElementById("call-half-duplex");
  const statusLine = document.getElementById("call-status");
  const link = document.getElementById("call-link");
  const transcript = document.getElementById("call-transcript");
  const keys = Array.from(root.querySelectorAll("button.key"));

  // G.711 mu-law to float, one table for all 256 codes.
  const ULAW = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    const u = ~i & 0xff;
    const exponent = (u >> 4) & 0x07;
    const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
    ULAW[i] = ((u & 0x80) ? -magnitude : magnitude) / 32768;
  }

  let socket = null;
  let audio = null;
  let microphone = null;
  let capture = null;
  let playEnd = 0; // AudioContext time when the bot audio scheduled so far ends
  let playing = []; // scheduled sources, stopped on `clear`
  let markTimers = []; // pending mark echoes, dropped on `clear`
  let held = []; // caller audio held back while the bot speaks (half-duplex)
  let replying = false; // from a reply's first audio until its end mark (`u<n>:end`) has played
  let lastSpeaker = null;
  let lastLine = null;

  function setStatus(text) {
    statusLine.textContent = text;
  }

  function botAudible() {
    // The whole reply counts, also a gap between two of its sentences (the next still synthesizing).
    return replying || markTimers.length > 0 || (audio !== null && audio.currentTime < playEnd);
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(message);
  }

  function onCapture(event) {
    const input = event.inputBuffer.getChannelData(0);
    const pcm = new Int16Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const s = Math.max(-1, Math.min(1, input[i]));
      pcm[i] = s < 0 ? s * 32768 : s * 32767;
    }
    if (!halfDuplex.checked) {
      held.forEach((chunk) => send(chunk.buffer));
      held = [];
      send(pcm.buffer);
      return;
    }
    // Half-duplex: the caller's audio is a tape that pauses while the bot can be heard and
    // plays on, at its own pace, once the bot is quiet (nothing the caller said is lost).
    held.push(pcm);
    if (!botAudible() && held.length > 0) send(held.shift().buffer);
  }

  function play(payload) {
    const bytes = atob(payload);
    const buffer = audio.createBuffer(1, bytes.length, 8000);
    const samples = buffer.getChannelData(0);
    for (let i = 0; i < bytes.length; i++) samples[i] = ULAW[bytes.charCodeAt(i)];
    const source = audio.createBufferSource();
    source.buffer = buffer;
    source.connect(audio.destination);
    const at = Math.max(playEnd, audio.currentTime + 0.05);
    source.start(at);
    playEnd = at + buffer.duration;
    playing.push(source);
    source.onended = () => {
      playing = playing.filter((s) => s !== source);
    };
  }

  function echoMark(name) {
    const delay = Math.max(0, (playEnd - audio.currentTime) * 1000);
    const timer = setTimeout(() => {
      markTimers = markTimers.filter((t) => t !== timer);
      if (name.endsWith(":end")) replying = false;
      send(JSON.stringify({ event: "mark", mark: { name: name } }));
    }, delay);
    markTimers.push(timer);
  }

  function clearPlayback() {
    playing.forEach((source) => {
      try {
        source.stop();
      } catch (e) {
        /* already stopped */
      }
    });
    playing = [];
    markTimers.forEach((timer) => clearTimeout(timer));
    markTimers = [];
    replying = false;
    playEnd = audio.currentTime;
  }

  function addLine(speaker, text) {
    if (speaker === "bot" && lastSpeaker === "bot" && lastLine) {
      lastLine.querySelector(".text").textContent += " " + text;
      return;
    }
    const turn = document.createElement("div");
    turn.className = "turn turn-" + speaker;
    const who = document.createElement("div");
    who.className = "who";
    who.textContent = speaker === "bot" ? "Bot" : "You";
    const body = document.createElement("div");
    body.className = "text";
    body.textContent = text;
    turn.append(who, body);
    transcript.append(turn);
    transcript.scrollTop = transcript.scrollHeight;
    lastSpeaker = speaker;
    lastLine = turn;
  }

  function onMessage(event) {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    switch (message.event) {
      case "started":
        setStatus("Connected. Speak when the bot has greeted you.");
        link.hidden = false;
        link.querySelector("a").href = "/console/conversations/" + encodeURIComponent(message.conversation_id);
        root.dataset.conversation = message.conversation_id;
        break;
      case "media":
        replying = true;
        play(message.media.payload);
        break;
      case "mark":
        echoMark(message.mark.name);
        break;
      case "clear":
        clearPlayback();
        break;
      case "transcript":
        addLine(message.speaker, message.text);
        break;
      case "ended":
        setStatus("Call ended: " + message.reason + ".");
        root.dataset.ended = message.reason;
        break;
      case "error":
        setStatus("Refused: " + message.error);
        break;
    }
  }

  function stopAudio() {
    if (capture) capture.disconnect();
    if (microphone) microphone.getTracks().forEach((track) => track.stop());
    capture = null;
    microphone = null;
    held = [];
  }

  function finished() {
    stopAudio();
    startButton.disabled = false;
    hangupButton.disabled = true;
    keys.forEach((key) => (key.disabled = true));
    if (!root.dataset.ended) setStatus("Disconnected.");
  }

  async function start() {
    startButton.disabled = true;
    transcript.textContent = "";
    lastSpeaker = lastLine = null;
    delete root.dataset.ended;
    delete root.dataset.conversation;
    try {
      microphone = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false },
      });
    } catch (e) {
      setStatus("No microphone: " + e.message);
      startButton.disabled = false;
      return;
    }
    audio = audio || new AudioContext();
    await audio.resume();
    playEnd = audio.currentTime;
    // Every call opens with the bot's greeting: half-duplex holds the caller's audio from the start,
    // not only from the greeting's first frame (else words said while it synthesizes interrupt it).
    replying = true;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.socket);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      socket.send(JSON.stringify({ event: "start", csrf: root.dataset.csrf, rate: audio.sampleRate }));
      const source = audio.createMediaStreamSource(microphone);
      capture = audio.createScriptProcessor(2048, 1, 1);
      capture.onaudioprocess = onCapture;
      source.connect(capture);
      capture.connect(audio.destination); // a processor runs only when connected; it outputs silence
      hangupButton.disabled = false;
      keys.forEach((key) => (key.disabled = false));
      setStatus("Connecting…");
    };
    socket.onmessage = onMessage;
    socket.onclose = finished;
  }

  startButton.addEventListener("click", start);
  hangupButton.addEventListener("click", () => {
    send(JSON.stringify({ event: "stop" }));
    stopAudio();
  });
  keys.forEach((key) =>
    key.addEventListener("click", () => send(JSON.stringify({ event: "dtmf", dtmf: { digit: key.dataset.digit } })))
  );
})();
