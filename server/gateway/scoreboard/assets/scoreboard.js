// The scoreboard page: reads its selection from the query string, watches the
// board through server-sent events and redraws it on every snapshot.
"use strict";

const SCOPE_MACHINE = "BOARD_SCOPE_MACHINE";
const SCOPE_ARCADE = "BOARD_SCOPE_ARCADE";
const SCOPE_GLOBAL = "BOARD_SCOPE_GLOBAL";
const NEW_LEADER = "KIND_NEW_LEADER";
const ENTERED_TOP = "KIND_ENTERED_TOP";
// How long the new-leader banner stays up, in milliseconds.
const BANNER_MILLISECONDS = 10000;
// Delays before reopening a stream that EventSource gave up on, in milliseconds.
const RETRY_MILLISECONDS = [1000, 2000, 5000, 10000, 30000];
const PAGE_SIZE = 10;

const PERIOD_NAMES = {
  BOARD_PERIOD_ALL_TIME: "All time",
  BOARD_PERIOD_YEAR: "This year",
  BOARD_PERIOD_MONTH: "This month",
  BOARD_PERIOD_WEEK: "This week",
  BOARD_PERIOD_DAY: "Today",
};

const elements = {
  title: document.getElementById("title"),
  subtitle: document.getElementById("subtitle"),
  connection: document.getElementById("connection"),
  banner: document.getElementById("leader-banner"),
  leaderName: document.getElementById("leader-name"),
  message: document.getElementById("message"),
  board: document.getElementById("board"),
  entries: document.getElementById("entries"),
  settings: document.getElementById("settings"),
};

let bannerTimer = null;
let failures = 0;

function readSelection() {
  const query = new URLSearchParams(window.location.search);
  const selection = {
    game: (query.get("game") || "").trim(),
    arcadeId: (query.get("arcade_id") || "").trim(),
    machineId: (query.get("machine_id") || "").trim(),
    period: query.get("period") || "BOARD_PERIOD_ALL_TIME",
    mode: query.get("mode") || "BOARD_MODE_BEST_PER_PLAYER",
  };
  // The narrowest selection wins: a machine, else an arcade, else the whole game.
  if (selection.machineId) {
    selection.scope = SCOPE_MACHINE;
  } else if (selection.arcadeId) {
    selection.scope = SCOPE_ARCADE;
  } else {
    selection.scope = SCOPE_GLOBAL;
  }
  return selection;
}

function fillForm(selection) {
  document.getElementById("game").value = selection.game;
  document.getElementById("arcade_id").value = selection.arcadeId;
  document.getElementById("machine_id").value = selection.machineId;
  document.getElementById("period").value = selection.period;
  document.getElementById("mode").value = selection.mode;
}

// Returns the query string of the board routes for a selection.
function boardQuery(selection, pageSize) {
  const query = new URLSearchParams({
    scope: selection.scope,
    period: selection.period,
    mode: selection.mode,
    page_size: String(pageSize),
  });
  if (selection.scope === SCOPE_ARCADE) query.set("arcade_id", selection.arcadeId);
  if (selection.scope === SCOPE_MACHINE) query.set("machine_id", selection.machineId);
  return query.toString();
}

function setConnection(state, text) {
  elements.connection.dataset.state = state;
  elements.connection.textContent = text;
}

function playerName(score) {
  const player = (score && score.player) || {};
  return player.displayName || player.initials || "Anonymous";
}

// Scores are 64-bit integers sent as strings; grouping the digits of the
// string keeps every digit, which a JavaScript number would not above 2^53.
function groupDigits(value) {
  return String(value || "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function render(snapshot, events) {
  const entries = snapshot.entries || [];
  const newLeader = events.find((event) => event.kind === NEW_LEADER);
  const enteredIds = new Set(
    events.filter((event) => event.kind === ENTERED_TOP && event.entry).map((event) => event.entry.score.id),
  );

  const rows = entries.map((entry, index) => {
    const row = document.createElement("tr");
    row.dataset.scoreId = entry.score.id;
    if (index === 0) row.classList.add("leader");
    if (index === 0 && newLeader) row.classList.add("new-leader");
    if (enteredIds.has(entry.score.id)) row.classList.add("entered");
    for (const [name, text] of [
      ["rank", entry.rank || String(index + 1)],
      ["player", playerName(entry.score)],
      ["score", groupDigits(entry.score.value)],
    ]) {
      const cell = document.createElement("td");
      cell.className = name;
      cell.textContent = text;
      row.appendChild(cell);
    }
    return row;
  });
  elements.entries.replaceChildren(...rows);

  elements.board.hidden = entries.length === 0;
  elements.message.hidden = entries.length !== 0;
  if (entries.length === 0) elements.message.textContent = "No scores yet. Be the first!";
  if (newLeader && newLeader.entry) showLeader(playerName(newLeader.entry.score), newLeader.entry.score.value);
}

function showLeader(name, value) {
  elements.leaderName.textContent = `${name} \u2014 ${groupDigits(value)}`;
  elements.banner.hidden = false;
  // Restart the animation for a second new leader within the banner time.
  elements.banner.style.animation = "none";
  void elements.banner.offsetWidth;
  elements.banner.style.animation = "";
  clearTimeout(bannerTimer);
  bannerTimer = setTimeout(() => { elements.banner.hidden = true; }, BANNER_MILLISECONDS);
}

async function showTitle(selection) {
  elements.title.textContent = selection.game;
  const where = { [SCOPE_GLOBAL]: "All arcades", [SCOPE_ARCADE]: "This arcade", [SCOPE_MACHINE]: "This machine" };
  elements.subtitle.textContent = `${where[selection.scope]} \u00b7 ${PERIOD_NAMES[selection.period] || selection.period}`;
  try {
    const reply = await fetch(`/v1/games/${encodeURIComponent(selection.game)}`);
    if (reply.ok) {
      const game = (await reply.json()).game || {};
      if (game.title) elements.title.textContent = game.title;
    }
  } catch (error) {
    // The game's ID stays as the title; the board itself does not need it.
  }
}

async function loadGameList() {
  try {
    const reply = await fetch("/v1/games?page_size=100");
    if (!reply.ok) return;
    const options = ((await reply.json()).games || []).map((game) => {
      const option = document.createElement("option");
      option.value = game.id;
      option.label = game.title || game.id;
      return option;
    });
    document.getElementById("games").replaceChildren(...options);
  } catch (error) {
    // The list only helps to type a game's ID.
  }
}

// Returns the Status message when the gateway rejects the selection itself
// (a 4xx reply), or "" when the failure may pass and a retry makes sense.
async function selectionProblem(selection) {
  try {
    const reply = await fetch(`/v1/scores/top/${encodeURIComponent(selection.game)}?${boardQuery(selection, 1)}`);
    if (reply.status >= 400 && reply.status < 500) {
      const status = await reply.json().catch(() => ({}));
      return status.message || `the board cannot be shown (HTTP ${reply.status})`;
    }
  } catch (error) {
    return "";
  }
  return "";
}

// Opens the watch. EventSource reconnects by itself after a dropped
// connection, and the watch's first message is always the whole board, so a
// reconnected page is current at once. EventSource gives up only when a
// reconnection gets an HTTP error; then the page checks the selection and,
// unless it is the problem, opens a new stream after a growing delay.
function watch(selection) {
  const url = `/v1/scores/top/${encodeURIComponent(selection.game)}:watch?${boardQuery(selection, PAGE_SIZE)}`;
  const source = new EventSource(url);
  setConnection("reconnecting", "connecting");

  source.onmessage = (event) => {
    failures = 0;
    setConnection("live", "live");
    const message = JSON.parse(event.data);
    render(message.snapshot || {}, message.events || []);
  };
  source.addEventListener("status", (event) => {
    // The call ended (for example the server is restarting); EventSource
    // reconnects when the server closes the response.
    const status = JSON.parse(event.data);
    setConnection("reconnecting", status.message ? `reconnecting: ${status.message}` : "reconnecting");
  });
  source.onerror = async () => {
    if (source.readyState !== EventSource.CLOSED) {
      setConnection("reconnecting", "reconnecting");
      return;
    }
    const problem = await selectionProblem(selection);
    if (problem) {
      setConnection("failed", "stopped");
      elements.message.hidden = false;
      elements.message.textContent = problem;
      elements.settings.open = true;
      return;
    }
    const delay = RETRY_MILLISECONDS[Math.min(failures, RETRY_MILLISECONDS.length - 1)];
    failures += 1;
    setConnection("reconnecting", `reconnecting in ${Math.round(delay / 1000)} s`);
    setTimeout(() => watch(selection), delay);
  };
  return source;
}

function start() {
  const selection = readSelection();
  fillForm(selection);
  loadGameList();
  if (!selection.game) {
    elements.settings.open = true;
    return;
  }
  showTitle(selection);
  watch(selection);
}

start();
