// Shows the form of this page's path, posts the mail link's token and the
// form's fields to its REST route, then shows the outcome. The token comes
// from the query string and is sent only to this server.

const result = document.getElementById("result");
const form = [...document.querySelectorAll("form")].find((each) => each.dataset.path === window.location.pathname);
for (const other of document.querySelectorAll("form")) {
  if (other !== form) {
    other.remove();
  }
}
form.id = "form";
form.hidden = false;
document.title = `${form.dataset.title} · Origin`;
document.getElementById("title").textContent = form.dataset.title;
const token = new URLSearchParams(window.location.search).get("token") || "";

function show(text, kind) {
  result.textContent = text;
  result.className = kind;
  result.hidden = false;
}

if (!token) {
  form.hidden = true;
  show("This link has no token. Open the link from the mail again, or request a new mail.", "error");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { linkToken: token };
  for (const [name, value] of new FormData(form)) {
    if (value !== "") {
      body[name] = value;
    }
  }
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const reply = await fetch(form.dataset.route, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (reply.ok) {
      form.hidden = true;
      show(form.dataset.done, "ok");
      return;
    }
    const status = await reply.json().catch(() => ({}));
    show(status.message || `The server answered ${reply.status}.`, "error");
  } catch (error) {
    show("The server could not be reached. Try again in a moment.", "error");
  } finally {
    button.disabled = false;
  }
});
