public enum LiaisonTransport {}
