// A chat's messages in the order written (ids grow), each once, whether it came from
// the chat's event stream or a read of the chat: the recipient's chat page and the
// driver app's chat share it.

/** Whether the message with this id is in the list already. */
export function listed(list, id) {
  return list.querySelector(`[data-id="${id}"]`) !== null;
}

/** Puts a message's item (its data-id the message's id) where the order written has it. */
export function place(list, item) {
  const id = Number(item.dataset.id);
  const later = [...list.children].find((li) => Number(li.dataset.id) > id);
  list.insertBefore(item, later || null);
}
