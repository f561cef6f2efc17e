export function area(w, h) {
  const result = w * h
  return result
}
