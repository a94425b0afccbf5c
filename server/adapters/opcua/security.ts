import { MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import type { SecurityModeName, SecurityPolicyName } from './equipment-gateway';

/** Maps a configured security mode name to node-opcua's enum. */
export function toMessageSecurityMode(mode: SecurityModeName): MessageSecurityMode {
  switch (mode) {
    case 'None': return MessageSecurityMode.None;
    case 'Sign': return MessageSecurityMode.Sign;
    case 'SignAndEncrypt': return MessageSecurityMode.SignAndEncrypt;
  }
}

/** Maps a configured security policy name to node-opcua's policy URI. */
export function toSecurityPolicy(policy: SecurityPolicyName): SecurityPolicy {
  switch (policy) {
    case 'None': return SecurityPolicy.None;
    case 'Basic256Sha256': return SecurityPolicy.Basic256Sha256;
    case 'Aes128_Sha256_RsaOaep': return SecurityPolicy.Aes128_Sha256_RsaOaep;
    case 'Aes256_Sha256_RsaPss': return SecurityPolicy.Aes256_Sha256_RsaPss;
  }
}
