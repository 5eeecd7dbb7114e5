/** Loaded by the test kubelet into every pod process (`NODE_OPTIONS=--import`): see pod-network.ts. */
import { installPodNetwork } from './pod-network.ts';

installPodNetwork();
