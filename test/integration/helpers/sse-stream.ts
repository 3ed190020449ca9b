// A streamed chat answer read the way a slow-stream test needs it: resolves once the first SSE event
// is in (so the test can act while the rest is still coming), with `rest` for all of the text and
// whether the transfer ended cleanly (false: the connection was cut).
export async function firstEventThenRest(res: Response): Promise<{ rest: Promise<{ text: string; clean: boolean }> }> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  while (!text.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
  }
  const rest = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return { text, clean: true };
        text += dec.decode(value, { stream: true });
      }
    } catch {
      return { text, clean: false };
    }
  })();
  return { rest };
}
