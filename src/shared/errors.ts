/** The one error shape every API answer uses. */
export interface ApiError {
  statusCode: number;
  code: string;
  message: string;
  /** The request field the message is about, as a dotted path ("body.username"). */
  field?: string;
}
