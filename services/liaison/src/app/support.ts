/** What the liaison use cases share beyond the chassis: the service's name and the reason bound. */
export const SERVICE = "liaison";

export const REASON_MAX = 500;
