// PEM material for gRPC over TLS, shared by the chassis (serving) and the client SDK (calling).
export * from "./pem";
export * from "./watch";
